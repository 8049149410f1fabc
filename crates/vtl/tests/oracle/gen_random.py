"""Random syntax-heavy templates for differential testing against the Velocity oracle.

Usage: python3 gen_random.py SEED COUNT OUTDIR, then
  VTL_CORPUS_DIR=OUTDIR cargo test -p tollgate-vtl --test differential
Differences on templates Velocity rejects, and those listed in DIVERGENCES.md, are expected.
"""
import json, os, random, sys
seed = int(sys.argv[1]); n = int(sys.argv[2]); out = sys.argv[3]
random.seed(seed)
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    if f.startswith("r") and f.endswith(".case"): os.remove(os.path.join(out, f))
WS = [" ", "  ", "\t", "\n", " \n", "\n  ", "\r\n", ""]
TXT = ["a", "{", "}", "[", "]", ",", ":", "\"", "'", "x y", ".", "(", ")", "=", "!", "-", "*", "#", "$", "\\", "%", "@", "1"]
VARS = ["$a", "$b", "$m", "$l", "$s", "$n", "$f", "$nope", "$input", "$foreach", "$i"]
def ref():
    base = random.choice(["a", "b", "m", "l", "s", "n", "f", "nope", "i", "foreach", "velocityCount"])
    r = "$" + random.choice(["", "", "!"]) 
    br = random.random() < 0.2
    body = base
    for _ in range(random.randint(0, 2)):
        body += random.choice([".k", ".size()", ".get(0)", "[0]", "['k']", ".length()", ".toUpperCase()", ".isEmpty()", ".keySet()", ".hasNext", ".index", ".substring(1)", ".x", "[1]", ".contains('a')"])
    return r + ("{" + body + "}" if br else body)
def lit():
    return random.choice(["1", "0", "-2", "2.5", "'s'", "\"d$a\"", "\"\"", "true", "false", "[1, 2]", "[]", "{'k': 1}", "[1..3]", "$a", "$nope", "$n", "$s", "$l", "$m"])
def expr(d=0):
    if d > 2 or random.random() < 0.4: return lit() if random.random() < 0.6 else ref().replace("$!", "$")
    op = random.choice(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "and", "or", "eq"])
    e = expr(d+1) + random.choice([" ", ""]) + op + random.choice([" ", ""]) + expr(d+1)
    if random.random() < 0.2: e = "!" + "(" + e + ")"
    if random.random() < 0.2: e = "(" + e + ")"
    return e
def block(d=0):
    parts = []
    for _ in range(random.randint(1, 6)):
        r = random.random()
        if r < 0.25: parts.append("".join(random.choice(TXT) for _ in range(random.randint(1, 4))))
        elif r < 0.4: parts.append(random.choice(WS))
        elif r < 0.55: parts.append(ref())
        elif r < 0.65: parts.append("#set(" + random.choice(["$a", "$b", "$x", "$m.k", "$l[0]"]) + random.choice([" = ", "="]) + expr() + ")")
        elif r < 0.75 and d < 3:
            s = "#if(" + expr() + ")" + random.choice(WS) + block(d+1)
            if random.random() < 0.3: s += "#elseif(" + expr() + ")" + block(d+1)
            if random.random() < 0.4: s += random.choice(["#else", "#{else}"]) + random.choice(WS) + block(d+1)
            parts.append(s + random.choice(["#end", "#{end}"]) + random.choice(WS))
        elif r < 0.83 and d < 3:
            parts.append("#foreach($i in " + random.choice(["$l", "$m", "[1..3]", "['a','b']", "$nope", "$input.path('$.items')", "$s"]) + ")" + random.choice(WS) + block(d+1) + "#end" + random.choice(WS))
        elif r < 0.87: parts.append(random.choice(["## c\n", "#* c *#", "#[[$raw]]#", "\\$a", "\\#if", "\\\\$a", "$", "#", "#break", "#stop"]))
        else: parts.append(random.choice(["$input.json('$.items')", "$input.path('$.items')[0].k", "$input.params('id')", "$util.escapeJavaScript($s)", "$input.path('$.o')", "$util.urlEncode($s)"]))
    return "".join(parts)
for k in range(n):
    tpl = "#set($a = 'A')#set($b = 2)#set($m = {'k': 'v', 'n': 1})#set($l = ['x', 'y'])#set($s = 'hello')#set($n = 3)#set($f = 1.5)" + random.choice(["", "\n"]) + block()
    h = {"body": '{"items":[{"k":"1"},{"k":"2"}],"o":{"p":[1,"q"]}}', "params": {"path": {"id": "7"}}}
    with open(os.path.join(out, "r%05d.case" % k), "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(h) + "\n----\n" + tpl)
