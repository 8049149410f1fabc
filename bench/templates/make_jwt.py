"""Key material for the benchmark's JWT authorizer, with only the standard library and the openssl CLI.

make_jwt.py DIR ISSUER writes DIR/key.pem, DIR/jwks.json and DIR/.well-known/openid-configuration
(served under ISSUER by the backend nginx) and prints an RS256 ID token from ISSUER valid for a day.
"""

import base64
import json
import os
import subprocess
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    out, issuer = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, ".well-known"), exist_ok=True)
    key = os.path.join(out, "key.pem")
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
        check=True,
        capture_output=True,
    )
    modulus = subprocess.run(
        ["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True, capture_output=True, text=True
    ).stdout.strip().split("=", 1)[1]
    jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "bench",
                      "n": b64url(bytes.fromhex(modulus)), "e": "AQAB"}]}
    with open(os.path.join(out, "jwks.json"), "w") as f:
        json.dump(jwks, f)
    with open(os.path.join(out, ".well-known", "openid-configuration"), "w") as f:
        json.dump({"issuer": issuer, "jwks_uri": issuer + "/jwks.json"}, f)
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "bench"}
    claims = {"iss": issuer, "sub": "bench-user", "aud": "bench-client", "email": "bench@example.com",
              "iat": now, "exp": now + 86400}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(), check=True, capture_output=True
    ).stdout
    print(signing_input + "." + b64url(signature))


if __name__ == "__main__":
    main()
