/**
 * Lambda events as AWS delivers them (field for field, with example values), for the
 * event tests: S3 notifications, SQS messages (with an SNS envelope or not), Kinesis
 * records and EventBridge schedules.
 */

let n = 0;
const id = () => `${(++n).toString(16).padStart(8, "0")}-8c2e-4c6e-9f5b-0123456789ab`;

/** An S3 `ObjectCreated:Put` notification naming `keys` (URL-encoded as S3 does). */
export function s3Notification(bucket: string, keys: string[]) {
  return {
    Records: keys.map((key) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-1",
      eventTime: "2024-03-01T10:05:00.000Z",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AWS:AROAEXAMPLE:firehose" },
      requestParameters: { sourceIPAddress: "10.0.0.1" },
      responseElements: {
        "x-amz-request-id": "C3D13FE58DE4C810",
        "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
      },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "cloudfront-lets",
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: "A3NL1KOZZKExample" },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+"),
          size: 1024,
          eTag: "d41d8cd98f00b204e9800998ecf8427e",
          sequencer: "0055AED6DCD90281E5",
        },
      },
    })),
  };
}

/** The test message S3 sends when a notification is configured. */
export const s3TestEvent = {
  Service: "Amazon S3",
  Event: "s3:TestEvent",
  Time: "2024-03-01T10:00:00.000Z",
  Bucket: "logs",
  RequestId: "5582815E1AEA5ADF",
  HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
};

/** An SNS notification envelope around `message`, as SNS delivers it into SQS. */
export function snsEnvelope(message: unknown) {
  return {
    Type: "Notification",
    MessageId: id(),
    TopicArn: "arn:aws:sns:eu-west-1:123456789012:cloudfront-logs",
    Subject: "Amazon S3 Notification",
    Message: JSON.stringify(message),
    Timestamp: "2024-03-01T10:05:01.000Z",
    SignatureVersion: "1",
    Signature:
      "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
    SigningCertURL: "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem",
    UnsubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
  };
}

/** An SQS batch whose message bodies are `bodies` (objects are JSON-encoded). */
export function sqsEvent(bodies: unknown[]) {
  return {
    Records: bodies.map((body) => ({
      messageId: id(),
      receiptHandle: "MessageReceiptHandle",
      body: typeof body === "string" ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1709287501000",
        SenderId: "AIDAIENQZJOLO23YVJ4VO",
        ApproximateFirstReceiveTimestamp: "1709287501005",
      },
      messageAttributes: {},
      md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:cloudfront-logs",
      awsRegion: "eu-west-1",
    })),
  };
}

/** A Kinesis Data Streams batch of log `lines` on one shard, from sequence number `first`. */
export function kinesisEvent(
  lines: string[],
  first = 49590338271490256608559692538361571095921575989136588898n,
) {
  return {
    Records: lines.map((line, i) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "cloudfront",
        sequenceNumber: String(first + BigInt(i)),
        data: btoa(String.fromCharCode(...new TextEncoder().encode(line + "\n"))),
        approximateArrivalTimestamp: 1709287501.123,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${first + BigInt(i)}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/cloudfront-lets",
      awsRegion: "eu-west-1",
      eventSourceARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/cloudfront-realtime",
    })),
  };
}

/** An EventBridge scheduled event at `time`. */
export function scheduleEvent(time: string) {
  return {
    version: "0",
    id: id(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time,
    region: "eu-west-1",
    resources: ["arn:aws:events:eu-west-1:123456789012:rule/cloudfront-lets-schedule"],
    detail: {},
  };
}
