// Tollgate's Node.js runtime: a small Lambda Runtime API client using only Node's standard library.
//
// Tollgate writes this file into its work directory and runs it as `node bootstrap.mjs` with the
// code directory as the working directory and the standard Lambda environment
// (`AWS_LAMBDA_RUNTIME_API`, `_HANDLER`, `LAMBDA_TASK_ROOT`, ...).
//
// It behaves like AWS's Node.js runtime: loads `module.function` from the code directory (CommonJS
// through require, ES modules through import(); a load failure is posted to /runtime/init/error),
// then loops on /runtime/invocation/next and calls the handler with the event and a context object.
// Handlers may return a promise (async) or take a third `callback` argument. Results are posted as
// JSON to /response, errors as `{errorType, errorMessage, trace}` to /error. console.* lines are
// written as `{timestamp}\t{requestId}\t{LEVEL}\t{message}`, as AWS does.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const API = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const SEP = API.lastIndexOf(':');
const HOST = API.slice(0, SEP);
const PORT = Number(API.slice(SEP + 1));
const PREFIX = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let currentRequestId = undefined;

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: PREFIX + p, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// console.* in AWS's format: one line per call, newlines turned into carriage returns.
function patchConsole() {
  const write = (stream, level) => (...args) => {
    const message = util.format(...args).replace(/\n/g, '\r');
    stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}\n`);
  };
  console.log = write(process.stdout, 'INFO');
  console.info = write(process.stdout, 'INFO');
  console.debug = write(process.stdout, 'DEBUG');
  console.trace = write(process.stdout, 'TRACE');
  console.warn = write(process.stderr, 'WARN');
  console.error = write(process.stderr, 'ERROR');
}

class Fault extends Error {
  constructor(errorType, message) {
    super(message);
    this.errorType = errorType;
  }
}

function errorDocument(err) {
  if (err instanceof Fault) {
    return { errorType: err.errorType, errorMessage: err.message, trace: [] };
  }
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  // callback('boom') / Promise.reject('boom'): AWS reports the JavaScript type as errorType.
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function postError(p, err) {
  const doc = errorDocument(err);
  const body = JSON.stringify(doc);
  return request('POST', p, body, {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': doc.errorType,
  }).then(() => doc);
}

async function loadHandler(handlerString) {
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const base = path.basename(handlerString);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new Fault('Runtime.MalformedHandlerName', `Bad handler ${handlerString}`);
  }
  const modulePath = path.join(path.dirname(handlerString), base.slice(0, dot));
  const functionPath = base.slice(dot + 1);
  const candidates = ['.js', '.mjs', '.cjs'].map((ext) => path.resolve(taskRoot, modulePath + ext));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new Fault(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${process.argv[1]}`,
    );
  }
  let mod;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      const require = createRequire(path.join(taskRoot, 'index.js'));
      try {
        mod = require(file);
      } catch (e) {
        if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
          mod = await import(pathToFileURL(file).href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new Fault('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    }
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw new Fault('Runtime.ImportModuleError', `Error: ${e.message}`);
    }
    throw e;
  }
  let handler = mod;
  for (const part of functionPath.split('.')) {
    handler = handler == null ? undefined : handler[part];
  }
  // An ES module loaded through require/import may expose CommonJS exports as `default`.
  if (typeof handler !== 'function' && mod && mod.default) {
    let alt = mod.default;
    for (const part of functionPath.split('.')) {
      alt = alt == null ? undefined : alt[part];
    }
    handler = alt;
  }
  if (typeof handler !== 'function') {
    throw new Fault('Runtime.HandlerNotFound', `${modulePath}.${functionPath} is undefined or not exported`);
  }
  return handler;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const parse = (v) => {
    if (!v) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers['lambda-runtime-cognito-identity']),
    clientContext: parse(headers['lambda-runtime-client-context']),
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, data) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(data);
    };
    context.done = callback;
    context.succeed = (data) => callback(null, data);
    context.fail = (err) => callback(err ?? 'handled');
    let ret;
    try {
      ret = handler(event, context, callback);
    } catch (e) {
      callback(e);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then((data) => callback(null, data), (err) => callback(err ?? new Error('Promise rejected')));
    } else if (handler.length < 3) {
      callback(null, ret);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || '');
  } catch (e) {
    const doc = await postError('/init/error', e).catch(() => errorDocument(e));
    console.error(`Init Error\t${JSON.stringify(doc)}`);
    process.exit(1);
  }

  process.on('uncaughtException', async (err) => {
    console.error(`Uncaught Exception\t${JSON.stringify(errorDocument(err))}`);
    if (currentRequestId !== undefined) {
      await postError(`/invocation/${currentRequestId}/error`, err).catch(() => {});
    }
    process.exit(129);
  });
  process.on('unhandledRejection', async (reason) => {
    const err = new Fault('Runtime.UnhandledPromiseRejection', String(reason instanceof Error ? `${reason.name}: ${reason.message}` : reason));
    console.error(`Unhandled Promise Rejection\t${JSON.stringify(errorDocument(err))}`);
    if (currentRequestId !== undefined) {
      await postError(`/invocation/${currentRequestId}/error`, err).catch(() => {});
    }
    process.exit(128);
  });

  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) {
      process.stderr.write(`Runtime API /next answered ${next.status}\n`);
      process.exit(1);
    }
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = requestId;
    const traceId = next.headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    const context = makeContext(next.headers);
    let body;
    try {
      const text = next.body.toString('utf8');
      let event;
      try {
        event = text.length ? JSON.parse(text) : {};
      } catch (e) {
        throw new Fault('Runtime.UnmarshalError', `Unable to unmarshal input: ${e.message}`);
      }
      const result = await runHandler(handler, event, context);
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (e) {
        throw new Fault('Runtime.MarshalError', `Unable to stringify response body: ${e.message}`);
      }
    } catch (err) {
      const doc = errorDocument(err);
      console.error(`Invoke Error \t${JSON.stringify(doc)}`);
      await postError(`/invocation/${requestId}/error`, err);
      continue;
    }
    await request('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
  }
}

main().catch((e) => {
  process.stderr.write(`Tollgate Node bootstrap failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
