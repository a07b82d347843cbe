"""Drives the Secret Manager paths through NetActuate's own Python transport, Client._request.

The `netactuate` package (PyPI) has no secrets methods, but its vAPI2 Client._request is the vendor's own
transport: urljoin on a base URL ending in /api/, the key as ?key=, JSON bodies, and its envelope, not-found
and contract rules. Only the base URL and the key point at the sandbox. Prints one JSON object: what every
call returned or raised, for the test to check against what the real API does.

Environment: NA_BASE_URL, NA_API_KEY, NA_ADMIN_URL (the sandbox's /__sandbox routes).
"""

import json
import os
import sys
import urllib.request

import netactuate
from netactuate import Client, ContractError, NetActuateError, NotFoundError

BASE_URL = os.environ["NA_BASE_URL"]
API_KEY = os.environ["NA_API_KEY"]
ADMIN_URL = os.environ["NA_ADMIN_URL"]

steps = []


def record(name, call):
    """Runs one call and records its outcome: the data it returned, or the error class and statuses."""
    try:
        steps.append({"step": name, "ok": True, "data": call()})
    except NetActuateError as error:
        steps.append(
            {
                "step": name,
                "ok": False,
                "error": type(error).__name__,
                "isNotFound": isinstance(error, NotFoundError),
                "isContract": isinstance(error, ContractError),
                "status": error.status_code,
                "code": error.code,
                "text": str(error),
            }
        )


def inject_fault(fault):
    request = urllib.request.Request(
        f"{ADMIN_URL}/faults",
        data=json.dumps(fault).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        response.read()


client = Client(api_key=API_KEY, base_url=BASE_URL)

record("list lists (empty account)", lambda: client._request("GET", "secrets/lists"))
record("create list", lambda: client._request("POST", "secrets/lists", {"name": "vendor-list"}))
list_id = steps[-1]["data"]["id"] if steps[-1]["ok"] else 0
record("create list without a payload", lambda: client._request("POST", "secrets/lists"))
record("get list", lambda: client._request("GET", f"secrets/lists/{list_id}"))
record("rename list", lambda: client._request("POST", f"secrets/lists/{list_id}", {"name": "vendor-renamed"}))
record("list lists", lambda: client._request("GET", "secrets/lists"))
record(
    "create value (the docs' example)",
    lambda: client._request(
        "POST", f"secrets/lists/{list_id}/values", {"secret_key": "new key", "secret_value": "new value"}
    ),
)
value_id = steps[-1]["data"]["id"] if steps[-1]["ok"] else 0
record("get value", lambda: client._request("GET", f"secrets/lists/{list_id}/values/{value_id}"))
record("list values", lambda: client._request("GET", f"secrets/lists/{list_id}/values"))
record("all values", lambda: client._request("GET", "secrets/all-values"))
record(
    "update value (key and value)",
    lambda: client._request(
        "POST",
        f"secrets/lists/{list_id}/values/{value_id}",
        {"secret_key": "DB_PASSWORD", "secret_value": "rotated"},
    ),
)
record(
    "create a duplicate key",
    lambda: client._request(
        "POST", f"secrets/lists/{list_id}/values", {"secret_key": "DB_PASSWORD", "secret_value": "again"}
    ),
)
record("get a list that does not exist", lambda: client._request("GET", "secrets/lists/999999"))
inject_fault({"burst": {"status": 412, "count": 1, "method": "GET", "route": "/api/secrets/lists"}})
record("list lists refused by the contract (412)", lambda: client._request("GET", "secrets/lists"))
record("delete value", lambda: client._request("DELETE", f"secrets/lists/{list_id}/values/{value_id}"))
record("get the deleted value", lambda: client._request("GET", f"secrets/lists/{list_id}/values/{value_id}"))
record("delete list", lambda: client._request("DELETE", f"secrets/lists/{list_id}"))
record("get the deleted list", lambda: client._request("GET", f"secrets/lists/{list_id}"))
record("delete the deleted list", lambda: client._request("DELETE", f"secrets/lists/{list_id}"))

# The same transport with the base URL written without its trailing slash: urljoin drops the last segment.
unslashed = Client(api_key=API_KEY, base_url=BASE_URL.rstrip("/"))
record("list lists with a base URL without the slash", lambda: unslashed._request("GET", "secrets/lists"))

json.dump({"package": netactuate.__name__, "steps": steps}, sys.stdout)
