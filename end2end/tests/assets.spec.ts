import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect, test } from './support/test';
import { APP_URL } from './support/env';

// The site the app serves (it runs from the repository root with LEPTOS_SITE_ROOT=target/site).
const BUILT_WASM = path.resolve('..', 'target/site/pkg/mailconnect.wasm');

/** A GET with the bytes exactly as they came over the wire (no decoding). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: http.IncomingHttpHeaders; status: number; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(url, { headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              headers: response.headers,
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks),
            }),
          );
        })
        .on('error', reject);
    },
  );
}

test('the client arrives brotli-compressed and decodes to the built file', async () => {
  const built = fs.readFileSync(BUILT_WASM);
  const response = await rawGet(`${APP_URL}/pkg/mailconnect.wasm`, {
    'accept-encoding': 'gzip, deflate, br, zstd',
  });
  expect(response.status).toBe(200);
  expect(response.headers['content-encoding']).toBe('br');
  expect(response.headers['content-type']).toBe('application/wasm');
  expect(response.body.length).toBeLessThan(built.length);
  expect(zlib.brotliDecompressSync(response.body).equals(built)).toBe(true);
});
