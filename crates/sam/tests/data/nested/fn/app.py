def front(event, context):
    return {"statusCode": 200, "body": "front"}
