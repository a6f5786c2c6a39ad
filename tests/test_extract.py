"""Figure extraction on small English documents written for the tests (real spaCy, real gazetteer)."""

from decimal import Decimal

import pytest

from conftest import figures, processed
from ingest.lang.en.periods import find_times_en
from ingest.periods import DocDate, plan_period
from ingest.lang.en.quantities import find_quantities_en


# -- values, units, qualifiers -------------------------------------------------

@pytest.mark.parametrize("text, quote, value, unit, qualifier", [
    ("Coverage reached 93.7% last year.", "93.7%", "93.7", "percent", None),
    ("Coverage rose by 3.2 percentage points.", "3.2 percentage points", "3.2", "percentage points", None),
    ("Growth was nearly 11% a year.", "nearly 11%", "11", "percent", "approximately"),
    ("The rate is more than 99 percent.", "more than 99 percent", "99", "percent", "more than"),
    ("A total of 2.97 million jobs were created.", "2.97 million", "2970000", None, None),
    ("Participants numbered 1.36 billion.", "1.36 billion", "1360000000", None, None),
    ("The city helped 675,400 villagers.", "675,400", "675400", None, None),
    ("The standard is 678 yuan/person·month.", "678 yuan/person·month", "678", "yuan per person per month", None),
    ("It is 5962 yuan per person per year.", "5962 yuan per person per year", "5962", "yuan per person per year", None),
    ("The payment was lowered to 300 yuan.", "300 yuan", "300", "yuan", None),
    ("The income ratio narrowed to 1.58:1.", "1.58:1", "1.58", "ratio", None),
    ("Visits grew to 12 times the level.", "12 times", "12", "times", None),
    ("It was kept below 0.27 for years.", "below 0.27", "0.27", None, "less than"),
    ("At least 40 clinics opened.", "At least 40", "40", None, "at least"),
])
def test_surface_forms(text, quote, value, unit, qualifier):
    found = find_quantities_en(text)
    assert len(found) == 1, found
    q = found[0]
    assert text[q.start:q.end] == quote
    assert q.value == Decimal(value) and q.unit == unit and q.qualifier == qualifier


@pytest.mark.parametrize("text", [
    "During the 13th Five-Year Plan the 19th Central Committee met.",  # ordinals, plan numbers
    "1. Improve services. (2) Build clinics.",  # list markers
    "The meeting was held on April 21 and 21 March.",  # dates
    "Release date:2023-12-05  09:19",  # ISO date and time
    "In 2020 and by 2025, during 2016-2020.",  # years and ranges
    "The Standards (2021 Edition) were issued.",  # edition year
    "The 5G network and the C919 aircraft.",  # names
    "A 10-minute service circle.",  # descriptor
    "The \"20 bottom line\" requirements.",  # quoted name
    "Beds per 1,000 people.",  # a unit's denominator
])
def test_non_figures_are_not_observations(text):
    assert find_quantities_en(text) == []


# -- time ----------------------------------------------------------------------

def test_plan_periods():
    assert (plan_period(13).start, plan_period(13).end) == (2016, 2020)
    assert (plan_period(14).start, plan_period(14).end) == (2021, 2025)
    assert (plan_period(1).start, plan_period(1).end) == (1953, 1957)


@pytest.mark.parametrize("sentence, date, expected", [
    ("As of 2019, coverage reached 41%.", "2020", "2019"),
    ("By the end of 2020, it reached 678 yuan.", "2021-04-21", "2020"),
    ("Since the 13th Five-Year Plan, 2.97 million jobs were created.", "2020", "2016/2020"),
    ("During the 14th Five-Year Plan period, 300 centres will be built.", "2022-01-11", "2021/2025"),
    ("From 2016 to 2020, 86 programs were implemented.", "2021", "2016/2020"),
    ("Last year, 500 clinics opened.", "2023-12-05", "2022"),
    ("For the past five years, growth averaged 11%.", "2020", "2016/2020"),
    ("In the past five years, 900 schools were built.", "2026-01-28", "2021/2025"),
])
def test_time_expressions_resolve_to_periods(sentence, date, expected):
    times = find_times_en(sentence, DocDate.parse(date))
    assert times and str(times[0].period) == expected


def test_period_comes_from_the_sentence_or_a_framing_sentence_before_it(tmp_path):
    rec = processed(tmp_path, "By the end of 2020, pension coverage reached 91%. Medical insurance covered 95% of residents.\n\n"
                         "The number is expected to reach 3.5 million by the end of 2020. The city also helped 675,400 villagers.\n")
    o = figures(rec)
    assert (o["91%"].period_start, o["95%"].period_start) == (2020, 2020)
    assert o["3.5 million"].period_start == 2020
    assert o["675,400"].period_start is None, "a time inside another figure's clause does not carry over"


# -- metric, unit, group -------------------------------------------------------

def test_counted_nouns_become_units_and_people_count_as_persons(tmp_path):
    rec = processed(tmp_path, "The county established 697 village-level art teams. It trained 265 village doctors. "
                         "It helped 675,400 villagers shake off poverty.\n")
    o = figures(rec)
    assert o["697"].unit == "art teams" and o["697"].metric == "village-level art teams"
    assert o["265"].unit == "village doctors"
    assert o["675,400"].unit == "persons"


def test_metric_is_the_subject_of_the_verb_and_number_of_names_the_unit(tmp_path):
    rec = processed(tmp_path, "The coverage rate of township kindergartens reached 93.7%. "
                         "The number of beds in medical institutions per 1,000 people has reached 6.51.\n")
    o = figures(rec)
    assert o["93.7%"].metric == "coverage rate of township kindergartens" and o["93.7%"].unit == "percent"
    assert o["6.51"].unit == "beds per 1,000 people"
    assert o["6.51"].metric.startswith("number of beds in medical institutions per 1,000 people")


def test_respectively_pairs_each_figure_with_its_own_item(tmp_path):
    rec = processed(tmp_path, "The number of people participating in pension insurance, basic medical insurance, "
                         "unemployment insurance, and work-related injury insurance reached 999 million, 1.36 billion, "
                         "217 million, and 268 million, respectively. The average minimum living standards for urban "
                         "and rural residents reached 678 yuan/person·month and 5962 yuan/person·year respectively.\n")
    o = figures(rec)
    assert o["999 million"].metric == "number of people participating in pension insurance"
    assert o["1.36 billion"].metric == "number of people participating in basic medical insurance"
    assert o["268 million"].metric == "number of people participating in work-related injury insurance"
    assert {o[q].unit for q in ("999 million", "1.36 billion", "217 million", "268 million")} == {"persons"}
    assert (o["678 yuan/person·month"].group, o["5962 yuan/person·year"].group) == ("urban residents", "rural residents")
    assert o["678 yuan/person·month"].metric == "average minimum living standards for urban residents"


def test_shared_subject_with_several_figures(tmp_path):
    rec = processed(tmp_path, "The reimbursement rate at designated hospitals is stable at 83%, and the coverage rate "
                         "has reached more than 99%.\n")
    o = figures(rec)
    assert o["83%"].metric == "reimbursement rate at designated hospitals"
    assert o["more than 99%"].metric == "coverage rate" and o["more than 99%"].qualifier == "more than"


def test_pronoun_subject_takes_the_previous_figure_metric(tmp_path):
    rec = processed(tmp_path, "Since 2016, a total of 2.97 million jobs have been created. The number is expected to reach 3.5 million.\n")
    o = figures(rec)
    assert o["3.5 million"].unit == "jobs" and o["3.5 million"].status == "expected"


# -- status and kind -------------------------------------------------------------

def test_status_and_kind(tmp_path):
    rec = processed(tmp_path, "By 2025, the coverage rate will reach 95%. The city will provide 50,000 training sessions. "
                         "The outpatient rate increased by 150%. Coverage reached 90% in 2020.\n", issued="2021-03-01")
    o = figures(rec)
    assert o["95%"].status == "target" and o["95%"].period_start == 2025
    assert o["50,000"].status == "planned"
    assert o["150%"].role == "change"
    assert o["90%"].status == "actual" and o["90%"].role == "level"


# -- regions -----------------------------------------------------------------------

def test_regions_default_to_the_subject_and_follow_explicit_mentions(tmp_path):
    rec = processed(tmp_path, "Haiyan County in Zhejiang trained 265 village doctors. The county now has 121 service circles. "
                         "In Jiujiang City, Jiangxi Province, 40 clinics opened.\n",
               title="Public services in Haiyan, Zhejiang")
    assert rec.subject_region == "330424"
    o = figures(rec)
    assert o["121"].region == "330424", "'the county' is the subject region"
    assert o["40"].region in ("360400", "360000")
    assert o["265"].region in ("330424", "330000")


def test_a_national_document_places_its_figures_in_china(tmp_path):
    rec = processed(tmp_path, "China News Service, Beijing, January 11. Nationwide, 85% of schools met the standard.\n",
               title="Press conference on public services")
    assert rec.subject_region == "100000"
    assert [o.region for o in rec.observations] == ["100000"]


def test_every_observation_span_is_exact(tmp_path):
    rec = processed(tmp_path, "Coverage reached 93.7%, and 2.97 million jobs were created; the ratio was 1.58:1.\n")
    for o in rec.observations:
        assert rec.text[o.start:o.end] in ("93.7%", "2.97 million", "1.58:1")
        if o.metric_start is not None:
            assert rec.text[o.metric_start:o.metric_end] == o.metric


def test_comparison_baselines_changes_and_raised_objects(tmp_path):
    rec = processed(tmp_path, "By the end of 2022, the province had built 1,280 health centers. The enrollment rate rose to 98.2%, "
                         "up 3.5 percentage points from 2017. The province aims to raise the coverage of elderly care "
                         "services to 90% by 2025. The subsidy for the elderly aged over 80 reached 1,500 yuan a year.\n",
               title="Guangdong public services", issued="2024-03-05")
    o = figures(rec)
    assert o["98.2%"].role == "level" and o["98.2%"].period_start == 2022, "'from 2017' is the baseline, not the period"
    assert o["3.5 percentage points"].role == "change"
    assert o["90%"].metric == "coverage of elderly care services" and o["90%"].status == "target"
    assert "over 80" not in o, "an age bound describes a group; it is not a figure"
    assert o["1,500 yuan a year"].unit == "yuan per year"


def test_respectively_over_places_pairs_regions(tmp_path):
    rec = processed(tmp_path, "Shenzhen and Zhuhai reported average life expectancy of 83.5 and 82.9 years respectively.\n",
               title="Guangdong health")
    o = figures(rec)
    assert (o["83.5"].region, o["82.9 years"].region) == ("440300", "440400")
    assert o["83.5"].metric == o["82.9 years"].metric == "average life expectancy"
