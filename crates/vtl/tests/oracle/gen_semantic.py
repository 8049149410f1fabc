"""Random expression/method templates for differential testing against the Velocity oracle.

Usage: python3 gen_semantic.py SEED COUNT OUTDIR, then
  VTL_CORPUS_DIR=OUTDIR cargo test -p tollgate-vtl --test differential
Differences on templates Velocity rejects, and those listed in DIVERGENCES.md, are expected.
"""
import json, os, random, sys
seed = int(sys.argv[1]); n = int(sys.argv[2]); out = sys.argv[3]
random.seed(seed)
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    if f.startswith("s") and f.endswith(".case"): os.remove(os.path.join(out, f))
STRS = ["'abc'", "'Hello, World'", "''", "' x '", "'a,b,,c'", "'AbC'", "'10'", "'3.5'", "'true'", "\"d$n\"", "'ß'", "'é€'", "'a.b.c'", "$s", "$e", "$input.path('$.s')"]
NUMS = ["0", "1", "-1", "7", "2147483647", "-2147483648", "9223372036854775807", "2.5", "-0.5", "1.0E10", "0.1", "$n", "$f", "$input.path('$.n')", "$input.path('$.f')", "$input.path('$.big')"]
LISTS = ["[1, 2, 3]", "[]", "['a', 'b']", "[1, 'a', 2.5, true]", "$l", "$input.path('$.arr')", "$input.path('$.objs')", "[1..4]", "$m.keySet()", "$m.values()"]
MAPS = ["{'a': 1, 'b': 'x'}", "{}", "$m", "$input.path('$.obj')", "$input.path('$')"]
OTHER = ["true", "false", "$nope", "$input.path('$.nul')", "$input.path('$.missing')"]
def anyv(d=0):
    r = random.random()
    if r < 0.3: return random.choice(STRS)
    if r < 0.6: return random.choice(NUMS)
    if r < 0.75: return random.choice(LISTS)
    if r < 0.85: return random.choice(MAPS)
    return random.choice(OTHER)
SMETH = ["length()", "substring(%d)", "substring(%d, %d)", "indexOf(%s)", "lastIndexOf(%s)", "indexOf(%s, %d)", "contains(%s)", "startsWith(%s)", "endsWith(%s)", "toUpperCase()", "toLowerCase()", "trim()", "isEmpty()", "charAt(%d)", "concat(%s)", "replace(%s, %s)", "replaceAll(%s, %s)", "replaceFirst(%s, %s)", "matches(%s)", "split(%s)", "split(%s, %d)", "equals(%s)", "equalsIgnoreCase(%s)", "compareTo(%s)", "toString()", "hashCode()"]
LMETH = ["size()", "get(%d)", "isEmpty()", "contains(%s)", "indexOf(%s)", "toString()", "add(%s)", "remove(%d)", "set(%d, %s)"]
MMETH = ["get(%s)", "size()", "keySet()", "values()", "containsKey(%s)", "isEmpty()", "put(%s, %s)", "remove(%s)", "entrySet()", "getOrDefault(%s, %s)"]
REGEX = ["','", "'\\\\.'", "'[a-c]'", "'(b)'", "'\\\\s+'", "''", "'x*'", "'^a'", "'c$'", "'(?i)ABC'", "'\\\\d'"]
REPL = ["'-'", "'$1'", "'[$0]'", "''", "'\\\\$'"]
def fill(m, pool):
    out = ""
    i = 0
    while i < len(m):
        if m[i:i+2] == "%d": out += random.choice(["0", "1", "2", "3", "-1", "10", "$n"]); i += 2
        elif m[i:i+2] == "%s": out += random.choice(pool()); i += 2
        else: out += m[i]; i += 1
    return out
def strarg(): return STRS + REGEX
def call():
    r = random.random()
    if r < 0.5:
        meth = random.choice(SMETH)
        if meth.startswith(("replaceAll", "replaceFirst", "matches", "split")):
            meth = meth.replace("%s, %s", random.choice(REGEX) + ", " + random.choice(REPL), 1).replace("%s", random.choice(REGEX), 1)
        recv = random.choice(["$s", "$e", "$input.path('$.s')", "$t"])
        c = recv + "." + fill(meth, lambda: STRS)
        # A Java array prints as [Ljava.lang.String;@hash: only look at its size and items.
        return c + (random.choice([".size()", "[0]", ".get(1)"]) if meth.startswith("split") else "")
    if r < 0.75:
        return random.choice(["$l", "$input.path('$.arr')", "$input.path('$.objs')", "$k"]) + "." + fill(random.choice(LMETH), lambda: [anyv()])
    return random.choice(["$m", "$input.path('$.obj')", "$mm"]) + "." + fill(random.choice(MMETH), lambda: ["'a'", "'b'", "'z'", "1", "$nope", "'s'"])
def expr(d=0):
    r = random.random()
    if d > 2 or r < 0.35: return anyv()
    if r < 0.55: return call()
    op = random.choice(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"])
    e = expr(d+1) + " " + op + " " + expr(d+1)
    return "(" + e + ")" if random.random() < 0.3 else e
for k in range(n):
    parts = ["#set($s = 'Hello, World')#set($e = '')#set($t = 'a1b22c333')#set($n = 3)#set($f = 1.5)#set($l = [1, 2, 'x'])#set($k = ['q', 'r'])#set($m = {'a': 1, 'b': 'x'})#set($mm = {})\n"]
    for _ in range(random.randint(3, 8)):
        r = random.random()
        if r < 0.5: parts.append("#set($r = %s)[$r]\n" % expr())
        elif r < 0.7: parts.append("[%s]\n" % ("$" + "{" + call()[1:] + "}" if random.random() < 0.3 else call()))
        elif r < 0.85: parts.append("#if(%s)T#{else}F#end\n" % expr())
        else: parts.append("#foreach($x in %s)$x,#end|\n" % random.choice(LISTS + MAPS + ["$s", "$n"]))
    body = json.dumps({"s": "json str", "n": 12, "f": 0.25, "big": 12345678901, "arr": [1, "two", None, True, 2.5], "objs": [{"a": 1}, {"b": [1, 2]}], "obj": {"a": "A", "nested": {"x": [1]}}, "nul": None})
    with open(os.path.join(out, "s%05d.case" % k), "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps({"body": body}) + "\n----\n" + "".join(parts))
