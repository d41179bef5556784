"""Renders a Hugging Face chat template with Python's Jinja2, as transformers' apply_chat_template does.

The reference the Java ChatTemplate (Jinjava) is checked against. Reads one JSON object on stdin:
{"template": str, "cases": [{"variables": {...}}]} and writes a JSON list with, per case,
{"text": rendered} or {"error": message}.

The environment is the one transformers builds for chat templates: a sandboxed environment with trim_blocks and
lstrip_blocks, the loopcontrols extension, a tojson filter that keeps non-ASCII characters and the key order, and
the raise_exception and strftime_now globals. No transformers package is needed.
"""

import json
import sys
from datetime import datetime

import jinja2
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def main():
    request = json.load(sys.stdin)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    template = env.from_string(request["template"])
    out = []
    for case in request["cases"]:
        try:
            out.append({"text": template.render(**case["variables"])})
        except Exception as e:  # the Java side expects an error for the same case, with any message
            out.append({"error": type(e).__name__ + ": " + str(e)})
    json.dump({"jinja2": jinja2.__version__, "results": out}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
