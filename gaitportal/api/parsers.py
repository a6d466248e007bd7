"""The API's JSON parser: bounded nesting and no NUL characters, answered as 400s."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from gaitportal.input_policy import json_problem


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing what would otherwise end as a 500 further in.

    Python's json module raises RecursionError near 1,000 levels of nesting; PostgreSQL refuses
    NUL characters in text. Both are refused here, once, for every JSON body, with the path of
    the offending value.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
        problem = json_problem(data)
        if problem is not None:
            path, reason = problem
            raise ParseError(f"JSON parse error at {path}: {reason}")
        return data
