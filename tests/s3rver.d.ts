/** The little of s3rver's API the tests use (the package ships no types). */
export default class S3rver {
  constructor(options: {
    port?: number;
    address?: string;
    silent?: boolean;
    directory?: string;
    configureBuckets?: Array<{ name: string }>;
  });
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  /** S3 event notifications of what the server stored or removed. */
  on(
    name: "event",
    listener: (e: {
      Records: Array<
        { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }
      >;
    }) => void,
  ): this;
}
