#!/usr/bin/env python3
"""Resident memory of `tollgate serve` around bursts of idle keep-alive connections.

Starts the given tollgate binary with a one-method MOCK API, then, for each round: opens N
connections, sends one keep-alive request on each and keeps them open (idle), reads the server's
VmRSS from /proc/PID/status, closes every connection from the client side, waits, and reads VmRSS
again. Prints one line per measurement and a Markdown table at the end. Not a timed benchmark:
only memory is measured.

    python3 bench/idle_connections.py --bin target/release/tollgate
    python3 bench/idle_connections.py --bin target/release/tollgate --connections 5000 --rounds 3

Needs `ulimit -n` above the connection count.
"""

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time

API = {
    "openapi": "3.0.1",
    "info": {"title": "idle", "version": "1"},
    "paths": {
        "/hello": {
            "get": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseTemplates": {"application/json": "hello"},
                        }
                    },
                },
            }
        }
    },
}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start(binary, workdir, extra):
    api = os.path.join(workdir, "api.json")
    with open(api, "w") as f:
        json.dump(API, f)
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", os.path.join(workdir, "data"), "--api", api,
         "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )
    data = api_id = None
    deadline = time.time() + 30
    for line in proc.stdout:
        m = re.match(r"idle \((\w+)\) stage", line)
        if m:
            api_id = m.group(1)
        m = re.match(r"data plane listening on http://([\d.]+):(\d+)", line)
        if m:
            data = (m.group(1), int(m.group(2)))
        if line.startswith("management listening on") or time.time() > deadline:
            break
    if not (data and api_id):
        proc.kill()
        raise RuntimeError("tollgate did not start")
    return proc, data, api_id


async def open_idle(host, port, path, n, batch=500):
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()

    async def one():
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        await reader.readexactly(length)
        return writer

    writers = []
    for i in range(0, n, batch):
        writers += await asyncio.gather(*(one() for _ in range(min(batch, n - i))))
    return writers


async def close_all(writers):
    for w in writers:
        w.close()
    await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--connections", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--settle", type=float, default=5.0, help="seconds to wait after closing")
    p.add_argument("serve_args", nargs="*", help="extra `tollgate serve` arguments (after --)")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        proc, (host, port), api_id = start(args.bin, workdir, args.serve_args)
        try:
            path = f"/_aws/execute-api/{api_id}/dev/hello"
            rows = [("start", rss_kib(proc.pid))]
            print(f"start: {rows[-1][1] / 1024:.1f} MiB", flush=True)
            for r in range(1, args.rounds + 1):
                writers = await open_idle(host, port, path, args.connections)
                rows.append((f"round {r}: {args.connections} idle open", rss_kib(proc.pid)))
                print(f"{rows[-1][0]}: {rows[-1][1] / 1024:.1f} MiB", flush=True)
                await close_all(writers)
                await asyncio.sleep(args.settle)
                rows.append((f"round {r}: closed, {args.settle:g} s later", rss_kib(proc.pid)))
                print(f"{rows[-1][0]}: {rows[-1][1] / 1024:.1f} MiB", flush=True)
            print("\n| moment | VmRSS (MiB) |\n| --- | ---: |")
            for name, kib in rows:
                print(f"| {name} | {kib / 1024:.1f} |")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
