"""papermill's parameters in Java: `papermill -k precis in.ipynb out.ipynb -p x 0.02` injects

    // Parameters
    double x = 0.02;

after the cell tagged `parameters`. papermill has no Java translator and no translator plugin group; it does
load the `papermill.engine` entry point group when it starts, so this package declares an engine there
(papermill_engine.py: papermill's own nbclient engine under the name `precis`) whose module imports this one,
and importing this module registers the translator for the language `java` (the kernelspec language of
Precis, and of other Java kernels).

Values arrive as papermill parsed them (YAML for `-p`, or a parameters file): each becomes a typed Java
declaration. `-p x 1` is an int; write `-p x 1.0` where the notebook declares a double.
"""
import math
import re

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

JAVA_KEYWORDS = frozenset("""
    abstract assert boolean break byte case catch char class const continue default do double else enum extends
    final finally float for goto if implements import instanceof int interface long native new package private
    protected public return short static strictfp super switch synchronized this throw throws transient try void
    volatile while true false null _
""".split())

# One declaration per line of a parameters cell: `[final] Type name = value; // help`.
DECLARATION = re.compile(
    r"^\s*(?:final\s+)?(?P<type>[A-Za-z_$][\w$.]*(?:<[^=]*>)?(?:\[\])*)\s+(?P<name>[A-Za-z_$][\w$]*)\s*=\s*"
    r"(?P<value>.*?)\s*;\s*(?://\s*(?P<help>.*?))?\s*$")


# Java types of values, as strings. Collections get a declared element type: `var` with an intersection type
# (List.of(1, "a")) breaks JShell's compiler, and a precise type lets cells write `for (double v : xs)`.
BOXED = {"boolean": "Boolean", "int": "Integer", "long": "Long", "double": "Double"}


def _scalar_type(val):
    if isinstance(val, bool):
        return "boolean"
    if isinstance(val, int):
        if INT_MIN <= val <= INT_MAX:
            return "int"
        return "long" if LONG_MIN <= val <= LONG_MAX else "java.math.BigInteger"
    if isinstance(val, float):
        return "double"
    if isinstance(val, str):
        return "String"
    return None


def _unify(types):
    """One type for several values: numbers widen (int < long < double), anything else mixed is Object."""
    types = [t for t in types if t is not None]
    if not types:
        return "Object"
    if all(t == types[0] for t in types):
        return types[0]
    if all(t in ("int", "long", "double") for t in types):
        return "double" if "double" in types else "long"
    if all(isinstance(t, tuple) and t[0] == types[0][0] for t in types):
        return (types[0][0], *(_unify([t[i] for t in types]) for i in range(1, len(types[0]))))
    return "Object"


def _type_of(val):
    """A type descriptor: a Java type name, ("List", element) or ("Map", key, value); None for null."""
    if val is None:
        return None
    if isinstance(val, list):
        return ("List", _unify([_type_of(v) for v in val]))
    if isinstance(val, dict):
        return ("Map", _unify([_type_of(k) for k in val]), _unify([_type_of(v) for v in val.values()]))
    return _scalar_type(val) or "Object"


def _type_name(t, boxed=False):
    if isinstance(t, tuple):
        args = ", ".join(_type_name(a, boxed=True) for a in t[1:])
        return f"java.util.{t[0]}<{args}>"
    return BOXED.get(t, t) if boxed else t


class JavaTranslator(Translator):
    """papermill values as Java literals and typed declarations."""

    @classmethod
    def translate_str(cls, val):
        out = []
        for ch in val:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                # Octal, not \\uXXXX: Java turns unicode escapes into characters before it reads the literal,
                # so "\\u000a" would end the line inside the string.
                out.append("\\%03o" % ord(ch))
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    @classmethod
    def translate_none(cls, val):
        return "null"

    @classmethod
    def translate_int(cls, val):
        if INT_MIN <= val <= INT_MAX:
            return str(val)
        if LONG_MIN <= val <= LONG_MAX:
            return f"{val}L"
        return f'new java.math.BigInteger("{val}")'

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val):
            return "Double.NaN"
        if math.isinf(val):
            return "Double.POSITIVE_INFINITY" if val > 0 else "Double.NEGATIVE_INFINITY"
        return repr(val)  # 0.02, 1e-05, 1e+16: all Java double literals

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def literal(cls, val, t):
        """{@code val} as an expression of type {@code t} (ints in a double list become doubles, and so on)."""
        if val is None:
            return "null"
        if t == "double" and isinstance(val, int) and not isinstance(val, bool):
            return cls.translate_float(float(val))
        if t == "long" and isinstance(val, int) and not isinstance(val, bool):
            return f"{val}L"
        if isinstance(val, list):
            elem = t[1] if isinstance(t, tuple) and t[0] == "List" else _type_of(val)[1]
            items = ", ".join(cls.literal(v, elem) for v in val)
            # List.of refuses null elements; Arrays.asList keeps them (in order, as List.of does).
            return f"java.util.Arrays.asList({items})" if None in val else f"java.util.List.of({items})"
        if isinstance(val, dict):
            kt, vt = t[1:] if isinstance(t, tuple) and t[0] == "Map" else _type_of(val)[1:]
            for k, v in val.items():
                if k is None or v is None:
                    raise PapermillException(f"a Java Map.ofEntries cannot hold null: the entry {k!r}: {v!r} of a "
                                             "parameter; leave the entry out or give it a value")
            entries = ", ".join(f"java.util.Map.entry({cls.literal(k, kt)}, {cls.literal(v, vt)})" for k, v in val.items())
            return f"java.util.Map.ofEntries({entries})"
        return cls.translate(val)

    @classmethod
    def translate_list(cls, val):
        return cls.literal(val, _type_of(val))

    @classmethod
    def translate_dict(cls, val):
        return cls.literal(val, _type_of(val))

    @classmethod
    def java_type(cls, val):
        """The declared type: primitives for scalars (so arithmetic means what it says), generic collections."""
        t = _type_of(val)
        return "Object" if t is None else _type_name(t)

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val, java_type="Object"):
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name) or name in JAVA_KEYWORDS:
            raise PapermillException(f"parameter name '{name}' is not a Java variable name")
        return f"{java_type} {name} = {str_val};"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        lines = [cls.comment(comment)]
        for name, val in parameters.items():
            lines.append(cls.assign(name, cls.literal(val, _type_of(val)), cls.java_type(val)))
        return "\n".join(lines) + "\n"

    @classmethod
    def inspect(cls, parameters_cell):
        """The declarations of a parameters cell, for `papermill --help-notebook`."""
        found = []
        for line in parameters_cell.source.splitlines():
            m = DECLARATION.match(line)
            if m:
                found.append(Parameter(name=m["name"], inferred_type_name=m["type"], default=m["value"],
                                       help=m["help"] or ""))
        return found


papermill_translators.register("java", JavaTranslator)
