//! Templates from the Amazon API Gateway developer guide, with the outputs the guide shows.
//! Sources (awsdocs/amazon-api-gateway-developer-guide, doc_source/):
//! - api-gateway-mapping-template-reference.md ("$input Variable Template Examples", "$util Variables")
//! - models-mappings.md (photos example), the PetStore walkthrough (flattensome GET response).
//!
//! Where the guide prints an outline rather than bytes, the test checks the JSON structure.

mod common;

use common::{params, render};
use serde_json::json;
use tollgate_vtl::apigw::Params;

const PETS: &str = r#"[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]"#;

#[test]
fn petstore_integration_response() {
    let template = r#"#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end

#end
]
"#;
    let expected = r#"[
  {
    "description" : "Item 1 is a dog.",
    "askingPrice" : 249.99
  },
  {
    "description" : "Item 2 is a cat.",
    "askingPrice" : 124.99
  },
  {
    "description" : "Item 3 is a fish.",
    "askingPrice" : 0.99
  }
]
"#;
    assert_eq!(
        render(template, PETS, Params::default(), json!({})),
        expected
    );
}

const PHOTOS: &str = r#"{
  "photos": {
    "page": 1,
    "pages": "1234",
    "perpage": 100,
    "total": "123398",
    "photo": [
      {
        "id": "12345678901",
        "owner": "23456789@A12",
        "photographer_first_name" : "Saanvi",
        "photographer_last_name" : "Sarkar",
        "secret": "abc123d456",
        "server": "1234",
        "farm": 1,
        "title": "Sample photo 1",
        "ispublic": true,
        "isfriend": false,
        "isfamily": false
      },
      {
        "id": "23456789012",
        "owner": "34567890@B23",
        "photographer_first_name" : "Richard",
        "photographer_last_name" : "Roe",
        "secret": "bcd234e567",
        "server": "2345",
        "farm": 2,
        "title": "Sample photo 2",
        "ispublic": true,
        "isfriend": false,
        "isfamily": false
      }
    ]
  }
}"#;

#[test]
fn photos_array_to_flat_objects() {
    let template = r#"#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end

#end
  ]
}"#;
    let expected = r#"{
  "photos": [
    {
      "id": "12345678901",
      "photographedBy": "Saanvi Sarkar",
      "title": "Sample photo 1",
      "ispublic": true,
      "isfriend": false,
      "isfamily": false
    },
    {
      "id": "23456789012",
      "photographedBy": "Richard Roe",
      "title": "Sample photo 2",
      "ispublic": true,
      "isfriend": false,
      "isfamily": false
    }
  ]
}"#;
    assert_eq!(
        render(template, PHOTOS, Params::default(), json!({})),
        expected
    );
}

#[test]
fn photos_input_mapping_is_valid_json() {
    let template = "#set($inputRoot = $input.path('$'))
{
  \"photos\": {
    \"page\": $inputRoot.photos.page,
    \"pages\": \"$inputRoot.photos.pages\",
    \"perpage\": $inputRoot.photos.perpage,
    \"total\": \"$inputRoot.photos.total\",
    \"photo\": [
#foreach($elem in $inputRoot.photos.photo)
      {
        \"id\": \"$elem.id\",
        \"owner\": \"$elem.owner\",
        \"secret\": \"$elem.secret\",
        \"server\": \"$elem.server\",
        \"farm\": $elem.farm,
        \"title\": \"$elem.title\",
        \"ispublic\": $elem.ispublic,
        \"isfriend\": $elem.isfriend,
        \"isfamily\": $elem.isfamily
      }#if($foreach.hasNext),#end
\t\t\t
#end
    ]
  }
}";
    let out = render(template, PHOTOS, Params::default(), json!({}));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["photos"]["page"], json!(1));
    assert_eq!(v["photos"]["total"], json!("123398"));
    assert_eq!(v["photos"]["photo"][1]["farm"], json!(2));
    assert_eq!(v["photos"]["photo"][0]["ispublic"], json!(true));
}

#[test]
fn parameter_mapping_template_passes_all_params() {
    let template = r#"#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}
"#;
    let p = params(
        &[("id", "7")],
        &[("q", "a \"b\""), ("n", "1")],
        &[("Accept", "*/*")],
    );
    let out = render(template, "", p, json!({}));
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(
        v,
        json!({"params": {
            "path": {"id": "7"},
            "querystring": {"q": "a \"b\"", "n": "1"},
            "header": {"Accept": "*/*"}
        }})
    );
}

#[test]
fn json_mapping_template_with_input() {
    let template = r#"{
    "name" : "$input.params('name')",
    "body" : $input.json('$') 
}"#;
    let out = render(
        template,
        r#"{"a": [1, 2], "b": "x"}"#,
        params(&[], &[("name", "me")], &[]),
        json!({}),
    );
    assert_eq!(
        out,
        "{\n    \"name\" : \"me\",\n    \"body\" : {\"a\":[1,2],\"b\":\"x\"} \n}"
    );
    let out = render(
        "{\n    \"name\" : \"$input.params('name')\",\n    \"body\" : $input.json('$.mykey')  \n}",
        r#"{"mykey": {"k": "v"}}"#,
        params(&[], &[("name", "me")], &[]),
        json!({}),
    );
    assert_eq!(
        out,
        "{\n    \"name\" : \"me\",\n    \"body\" : {\"k\":\"v\"}  \n}"
    );
}

#[test]
fn request_and_response_example_counts_things() {
    let template = r#"{
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $util.escapeJavaScript($input.json('$.things'))
}"#;
    let body = r#"{
    "things" : {
        "1" : {},
        "2" : {},
        "3" : {}
    }
}"#;
    let out = render(
        template,
        body,
        params(&[("id", "abc")], &[], &[]),
        json!({}),
    );
    assert_eq!(
        out,
        "{\n    \"id\" : \"abc\",\n    \"count\" : \"3\",\n    \"things\" : {\\\"1\\\":{},\\\"2\\\":{},\\\"3\\\":{}}\n}"
    );
}

#[test]
fn util_parse_json_example() {
    let template = r#"#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
}
"#;
    let body = r#"{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}"#;
    assert_eq!(
        render(template, body, Params::default(), json!({})),
        "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}\n"
    );
}

#[test]
fn escape_javascript_then_unescape_single_quotes() {
    // "$util.escapeJavaScript(data).replaceAll("\\'","'")": valid JSON string content.
    let template =
        r#"{"data": "$util.escapeJavaScript($input.path('$.data')).replaceAll("\\'","'")"}"#;
    let body = r#"{"data":"It's a \"quote\"\nnew line"}"#;
    let out = render(template, body, Params::default(), json!({}));
    assert_eq!(out, r#"{"data": "It's a \"quote\"\nnew line"}"#);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["data"], json!("It's a \"quote\"\nnew line"));
}

#[test]
fn context_variables_example() {
    let template = r#"{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "resource_id" : "$context.resourceId",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "account_id" : "$context.identity.accountId",
    "api_key" : "$context.identity.apiKey",
    "caller" : "$context.identity.caller",
    "user" : "$context.identity.user",
    "user_arn" : "$context.identity.userArn"
}"#;
    let ctx = json!({"context": {
        "stage": "prod", "requestId": "abcdefg-000-000-0000-abcdefg", "apiId": "abcd1234",
        "resourcePath": "/", "resourceId": "efg567", "httpMethod": "GET",
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/7.84.0", "accountId": "111122223333",
            "apiKey": "MyTestKey", "caller": "ABCD-0000-12345", "user": "ABCD-0000-12345",
            "userArn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar"}
    }});
    let out = render(template, "", Params::default(), ctx);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["stage"], json!("prod"));
    assert_eq!(v["user-agent"], json!("curl/7.84.0"));
    assert_eq!(
        v["user_arn"],
        json!("arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar")
    );
}

#[test]
fn foreach_has_next_comma_handling_yields_valid_json() {
    let template = r#"{
"headers": {
#foreach($header in $input.params().header.keySet())
"$header": "$util.escapeJavaScript($input.params().header.get($header))" #if($foreach.hasNext),#end

#end
}
}"#;
    let p = params(&[], &[], &[("A", "1"), ("B", "it's \"x\""), ("C", "3")]);
    let out = render(template, "", p, json!({}));
    assert_eq!(
        out,
        "{\n\"headers\": {\n\"A\": \"1\" ,\n\"B\": \"it\\'s \\\"x\\\"\" ,\n\"C\": \"3\" \n}\n}"
    );
}

#[test]
fn escape_javascript_of_quotes_and_newlines() {
    let out = render(
        "\"$util.escapeJavaScript($input.json('$'))\"",
        "{\"a\":\"line1\\nline2\",\"q\":\"say \\\"hi\\\"\"}",
        Params::default(),
        json!({}),
    );
    assert_eq!(
        out,
        r#""{\"a\":\"line1\\nline2\",\"q\":\"say \\\"hi\\\"\"}""#
    );
}
