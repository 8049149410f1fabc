"""Tollgate's Python runtime: a small Lambda Runtime API client using only the standard library.

Tollgate writes this file into its work directory and runs it as
`python3 bootstrap.py` with the code directory as the working directory and the standard Lambda
environment (`AWS_LAMBDA_RUNTIME_API`, `_HANDLER`, `LAMBDA_TASK_ROOT`, ...).

It behaves like AWS's Python runtime (awslambdaric): imports `module.function` from the code
directory (an import failure is posted to /runtime/init/error), then loops on
/runtime/invocation/next, calls the handler with the JSON event and a context object, and posts
the JSON result to /response or `{errorMessage, errorType, requestId, stackTrace}` to /error.
"""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
HOST, _, PORT = API.rpartition(":")
PREFIX = "/2018-06-01/runtime"

_current_request_id = None


class _Client:
    """One keep-alive connection to the Runtime API."""

    def __init__(self):
        self.conn = http.client.HTTPConnection(HOST, int(PORT))

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, PREFIX + path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        return response.status, response.headers, data


class Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


class ClientContext:
    def __init__(self, data):
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class CognitoIdentity:
    def __init__(self, data):
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class LambdaContext:
    """The context object AWS's Python runtime passes to handlers."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity, tenant_id):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self.tenant_id = tenant_id
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},identity={}])"
        ).format(
            self.aws_request_id,
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
            self.invoked_function_arn,
            self.client_context,
            self.identity,
        )


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
    root.setLevel(getattr(logging, level.upper(), logging.WARNING) if level else logging.WARNING)


def _load_handler(name):
    try:
        module_name, function_name = name.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(name, e))
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module {} as a handler module".format(module_name),
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, e))
    except SyntaxError as e:
        trace = ['  File "{}" Line {}\n    {}'.format(e.filename, e.lineno, e.text)]
        raise Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, e), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        fault = Fault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(function_name, module_name))

        def missing(event, context):
            raise fault

        return missing


def _error_document(error_type, message, trace, request_id):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id or "", "stackTrace": trace}


def _exception_document(exc, request_id):
    if isinstance(exc, Fault):
        return _error_document(exc.error_type, exc.message, exc.trace, request_id)
    tb = traceback.extract_tb(exc.__traceback__)
    # Drop this bootstrap's own frames so the trace starts in the user's code.
    while tb and tb[0].filename == __file__:
        tb = tb[1:]
    return _error_document(type(exc).__name__, str(exc), traceback.format_list(tb), request_id)


def _log_error(doc):
    lines = ["[ERROR] {}: {}".format(doc["errorType"], doc["errorMessage"])]
    if doc.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in doc["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def _post_error(client, path, doc):
    body = json.dumps(doc).encode()
    client.request(
        "POST",
        path,
        body,
        {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]},
    )


def main():
    global _current_request_id
    _setup_logging()
    client = _Client()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:  # noqa: BLE001 - any import-time failure is an init error
        doc = _exception_document(e, None)
        _log_error(doc)
        _post_error(client, "/init/error", doc)
        sys.exit(1)

    while True:
        status, headers, body = client.request("GET", "/invocation/next")
        if status != 200:
            sys.stderr.write("Runtime API /next answered {}\n".format(status))
            sys.exit(1)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        _current_request_id = request_id
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            deadline = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))
        except ValueError:
            deadline = 0
        try:
            raw_cc = headers.get("Lambda-Runtime-Client-Context")
            client_context = ClientContext(json.loads(raw_cc)) if raw_cc else None
            raw_identity = headers.get("Lambda-Runtime-Cognito-Identity")
            identity = CognitoIdentity(json.loads(raw_identity)) if raw_identity else None
            context = LambdaContext(
                request_id,
                deadline,
                headers.get("Lambda-Runtime-Invoked-Function-Arn"),
                client_context,
                identity,
                headers.get("Lambda-Runtime-Aws-Tenant-Id"),
            )
            try:
                event = json.loads(body) if body else {}
            except ValueError as e:
                raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e))
            result = handler(event, context)
            try:
                payload = json.dumps(result).encode()
            except (TypeError, ValueError) as e:
                raise Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
        except Exception as e:  # noqa: BLE001 - the handler's exceptions are function errors
            doc = _exception_document(e, request_id)
            _log_error(doc)
            _post_error(client, "/invocation/{}/error".format(request_id), doc)
            continue
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        client.request(
            "POST",
            "/invocation/{}/response".format(request_id),
            payload,
            {"Content-Type": "application/json"},
        )


if __name__ == "__main__":
    main()
