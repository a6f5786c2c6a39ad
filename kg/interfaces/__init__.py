"""The ways in: the command line, the HTTP SPARQL endpoint, the Gradio web app and its HTML."""
