// Child process for test/helpers/s3.ts: runs s3rver 3.7.1 on 127.0.0.1 (random port, silent) with one
// bucket, prints {"port":N} on stdout, and exits when its stdin closes (the parent stopped or died).
// Started with --openssl-legacy-provider so s3rver's DES continuation tokens work under OpenSSL 3.
import S3rver from 's3rver';

const { directory, bucket } = JSON.parse(process.argv[2]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
try {
  const addr = await server.run();
  process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e) }) + '\n');
  process.exit(1);
}
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close().catch(() => undefined);
  process.exit(0);
});
