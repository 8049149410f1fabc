import os


def handler(event, context):
    return {"statusCode": 200, "body": os.environ["GREETING"] + " from " + context.function_name}
