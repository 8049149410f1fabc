// Differential-test oracle: renders corpus cases with Apache Velocity 1.7, Jayway JsonPath 2.0 and
// json-smart 2.2 (the stack API Gateway runs), plus the AWS-observed behaviours listed in DIVERGENCES.md.
//
// Case file: first line is a JSON object {"body":..., "params":{"path":{},"querystring":{},"header":{}},
// "vars":{...}}, second line is "----", the rest of the file is the template (exact bytes).
// Output: one line per case, "NAME<TAB>OK|ERR<TAB>BASE64(output or message)".
import java.io.StringWriter;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import net.minidev.json.JSONStyle;
import net.minidev.json.JSONValue;
import net.minidev.json.parser.JSONParser;
import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.ReferenceInsertionEventHandler;

public class Oracle {
    public static final class BadBody extends RuntimeException {
        BadBody(String m) { super(m); }
    }

    static Object parseOrdered(String s) throws Exception {
        return new JSONParser(JSONParser.MODE_PERMISSIVE).parse(s, JSONValue.defaultReader.DEFAULT_ORDERED);
    }

    // Host-provided variables are plain Java collections.
    @SuppressWarnings("unchecked")
    static Object toJava(Object o) {
        if (o instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) o).entrySet()) out.put(e.getKey(), toJava(e.getValue()));
            return out;
        }
        if (o instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object x : (List<Object>) o) out.add(toJava(x));
            return out;
        }
        return o;
    }

    public static final class Input {
        private final String body;
        private final Map<String, Map<String, String>> params;

        Input(String body, Map<String, Map<String, String>> params) {
            this.body = body;
            this.params = params;
        }

        public String getBody() { return body.isEmpty() ? "{}" : body; }

        private Object document() {
            String b = body.trim();
            if (b.isEmpty()) b = "{}";
            char c = b.charAt(0);
            if (c == '{' || c == '[' || c == '"') {
                try {
                    return parseOrdered(b);
                } catch (Exception e) {
                    throw new BadBody("Could not process payload");
                }
            }
            return body;
        }

        public Object path(String p) {
            Object doc = document();
            try {
                return JsonPath.using(Configuration.defaultConfiguration()).parse(doc).read(p);
            } catch (PathNotFoundException e) {
                return null;
            }
        }

        public String json(String p) {
            return JSONValue.toJSONString(path(p), JSONStyle.LT_COMPRESS);
        }

        public Map<String, Map<String, String>> params() { return params; }

        public String params(String name) {
            for (String k : new String[] {"path", "querystring", "header"}) {
                String v = params.get(k).get(name);
                if (v != null) return v;
            }
            return "";
        }
    }

    public static final class Util {
        public String escapeJavaScript(String s) { return StringEscapeUtils.escapeJavaScript(s); }
        public Object parseJson(String s) throws Exception { return parseOrdered(s); }
        public String urlEncode(String s) throws Exception { return URLEncoder.encode(s, "UTF-8"); }
        public String urlDecode(String s) throws Exception { return URLDecoder.decode(s, "UTF-8"); }
        public String base64Encode(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }
        public String base64Decode(String s) { return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8); }
    }

    // API Gateway prints null and undefined references as empty text.
    public static final class NullToEmpty implements ReferenceInsertionEventHandler {
        public Object referenceInsert(String reference, Object value) { return value == null ? "" : value; }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.setProperty("directive.foreach.maxloops", "1000");
        // Each case is its own template: its inline macros must not leak into later cases.
        ve.setProperty("velocimacro.permissions.allow.inline.local.scope", "true");
        ve.init();
        StringBuilder out = new StringBuilder();
        for (String file : args) {
            Path path = Paths.get(file);
            String name = path.getFileName().toString();
            String raw = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
            int nl = raw.indexOf('\n');
            String header = raw.substring(0, nl);
            if (!raw.startsWith("----\n", nl + 1)) throw new IllegalStateException(name + ": missing ---- line");
            String template = raw.substring(nl + 6);
            Map<String, Object> h = (Map<String, Object>) parseOrdered(header);
            String body = h.containsKey("body") ? (String) h.get("body") : "";
            Map<String, Map<String, String>> params = new LinkedHashMap<>();
            Map<String, Object> hp = h.containsKey("params") ? (Map<String, Object>) h.get("params") : new LinkedHashMap<>();
            for (String k : new String[] {"path", "querystring", "header"}) {
                Map<String, String> m = new LinkedHashMap<>();
                if (hp.containsKey(k)) for (Map.Entry<String, Object> e : ((Map<String, Object>) hp.get(k)).entrySet()) m.put(e.getKey(), (String) e.getValue());
                params.put(k, m);
            }
            VelocityContext ctx = new VelocityContext();
            if (h.containsKey("vars")) for (Map.Entry<String, Object> e : ((Map<String, Object>) h.get("vars")).entrySet()) ctx.put(e.getKey(), toJava(e.getValue()));
            ctx.put("input", new Input(body, params));
            ctx.put("util", new Util());
            EventCartridge ec = new EventCartridge();
            ec.addEventHandler(new NullToEmpty());
            ec.attachToContext(ctx);
            String status;
            String text;
            try {
                StringWriter w = new StringWriter();
                ve.evaluate(ctx, w, name, template);
                status = "OK";
                text = w.toString();
            } catch (Throwable t) {
                status = "ERR";
                Throwable c = t;
                while (c.getCause() != null) c = c.getCause();
                text = c.getClass().getSimpleName() + ": " + c.getMessage();
            }
            out.append(name).append('\t').append(status).append('\t')
                .append(Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        System.out.print(out);
    }
}
