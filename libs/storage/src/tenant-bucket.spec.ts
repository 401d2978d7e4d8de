import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from './probe';
import { startS3TestServer, S3TestServer } from './testing/s3-test-server';

jest.setTimeout(60_000);

// Ceph RGW tenant buckets (`tenant:bucket`) are not valid AWS bucket names. versitygw, like AWS,
// refuses to create one, so the archive cannot be exercised end to end with such a bucket here.
// What can fail on our side is the client: rejecting the name, or putting it in the host name
// (virtual-hosted style). These tests show that the name reaches the server unchanged, as the
// first component of the request path (percent-encoded, as botocore, which the upstream uses
// through lsst.resources, also sends it; servers decode the path).
describe('Ceph tenant-style bucket names', () => {
  let server: S3TestServer;
  beforeAll(async () => (server = await startS3TestServer()));
  afterAll(() => server?.stop());

  it('are sent unchanged, path-style, to the endpoint', async () => {
    const client = createS3Client({ endpoint: server.endpoint, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    const seen: { hostname?: string; path?: string }[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname?: string; path?: string };
        seen.push({ hostname: request.hostname, path: request.path });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    const failure = await client.send(new GetObjectCommand({ Bucket: 'rubin:rubin-scheduler-prenight', Key: 'opsim/vseq/a/visits.h5' })).catch((error) => error);
    client.destroy();
    expect(seen[0]).toEqual({ hostname: '127.0.0.1', path: '/rubin%3Arubin-scheduler-prenight/opsim/vseq/a/visits.h5' });
    // The server decoded the same name and answered about it (it cannot hold such a bucket).
    expect(failure.$metadata.httpStatusCode).toBe(400);
    expect(failure.BucketName).toBe('rubin:rubin-scheduler-prenight');
  });
});
