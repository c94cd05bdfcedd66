"""Pictures of the analyses: Altair charts and the journey graph as HTML.

Pure functions from a result (frame, dataclass, graph) to a chart or an HTML page;
they compute nothing about journeys themselves.
"""
