"""Every output of khulasa, one module per format: ``json`` (the versioned documents of the commands and
the HTTP API), ``markdown``, ``html`` (the self-contained RTL page, from Jinja2 templates), ``terminal``
(tables, trees and panels for the command line), and ``labels`` (Arabic counts, figure values and
dates for people to read, shared by all of them). Pure functions from model values to text; no I/O."""
