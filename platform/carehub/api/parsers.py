"""JSON bodies with a translated error: DRF's own parser answers "JSON parse error - <Python's English text>"."""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as strict_json


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            constant = strict_json.strict_constant if self.strict else None
            return json.load(codecs.getreader(encoding)(stream), parse_constant=constant)
        except json.JSONDecodeError as exc:
            raise ParseError(_("The body is not valid JSON: error at line %(line)d, column %(column)d.")
                             % {"line": exc.lineno, "column": exc.colno}) from exc
        except ValueError as exc:  # not in the declared encoding, or NaN / Infinity
            raise ParseError(_("The body is not valid JSON.")) from exc
