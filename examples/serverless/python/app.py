"""Pets: a Lambda proxy handler, as it would run on AWS."""

import json

PETS = {"1": {"id": 1, "type": "dog", "price": 249.99}, "2": {"id": 2, "type": "cat", "price": 124.99}}


def handler(event, context):
    pet_id = (event.get("pathParameters") or {}).get("id")
    if pet_id is None:
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps(list(PETS.values()))}
    pet = PETS.get(pet_id)
    if pet is None:
        return {"statusCode": 404, "headers": {"content-type": "application/json"},
                "body": json.dumps({"message": f"no pet {pet_id}"})}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(pet)}
