/**
 * Where backups go: an S3-compatible bucket (AWS S3, DigitalOcean Spaces) through the official
 * `@aws-sdk/client-s3` — signing and the wire format are not ours to get wrong. Four calls: put,
 * get, list by prefix, delete. Tested against a loopback stand-in of those calls.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** How to reach the bucket. Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID/…). */
export interface S3ArchiveOptions {
  /** e.g. https://fra1.digitaloceanspaces.com; unset: AWS S3 of `region`. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** Key prefix of this farm's backups, e.g. "rfarm-prod/". */
  readonly prefix: string;
}

/** An object store failure, with the operation and key. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/** The bucket as the backup service uses it. */
export class S3Archive {
  private readonly client: S3Client;
  constructor(private readonly options: S3ArchiveOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      // Spaces and stand-ins take the bucket in the path; AWS accepts it too.
      forcePathStyle: true,
      // Checksums only where S3 demands them: Spaces does not accept every trailing-checksum form.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  private async call<T>(operation: string, name: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new ArchiveError(`${operation} s3://${this.options.bucket}/${this.key(name)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Uploads a file (streamed, not held in memory). */
  async putFile(name: string, path: string): Promise<void> {
    const { size } = await stat(path);
    await this.call('put', name, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(name), Body: createReadStream(path), ContentLength: size })),
    );
  }

  async putText(name: string, text: string): Promise<void> {
    await this.call('put', name, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(name), Body: text, ContentType: 'application/json' })),
    );
  }

  /** The object's bytes as a stream of chunks. */
  async get(name: string): Promise<AsyncIterable<Uint8Array>> {
    const answer = await this.call('get', name, () => this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(name) })));
    if (!answer.Body) throw new ArchiveError(`get s3://${this.options.bucket}/${this.key(name)}: empty answer`);
    return answer.Body as AsyncIterable<Uint8Array>;
  }

  async getText(name: string): Promise<string> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of await this.get(name)) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Names (without the farm's prefix) under `under`, every page. */
  async list(under: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', under, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.key(under), ContinuationToken: token })),
      );
      for (const entry of page.Contents ?? []) if (entry.Key) names.push(entry.Key.slice(this.options.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }

  async delete(name: string): Promise<void> {
    await this.call('delete', name, () => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(name) })));
  }
}
