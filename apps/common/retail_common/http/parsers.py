"""The JSON parser of every service (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES in
retail_common.service_settings)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from retail_common.domain.codes import ErrorCode
from retail_common.http.unsafe_text import INVALID_CHARACTERS, json_text_problem


class SafeJSONParser(JSONParser):
    """DRF's strict JSON parser that also refuses NUL and lone surrogates anywhere in the document,
    naming the JSON path, and a document nested deeper than Python can walk."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            problem = json_text_problem(data)
        except RecursionError as exc:  # json's parser and the walk above both recurse per level
            raise ParseError("JSON parse error - the document is nested too deeply.", code=ErrorCode.TOO_DEEP) from exc
        if problem:
            raise ParseError(f"JSON parse error - {problem}, which is not accepted.", code=INVALID_CHARACTERS)
        return data
