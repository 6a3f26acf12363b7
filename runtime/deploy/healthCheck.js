// The node image's HEALTHCHECK, run by the image's own node (a scratch image has no curl): exit 0
// when GET /v1/health of the node in this container answers { ok: true } within the time limit,
// 1 otherwise. Where the node listens comes from its data dir's config.json (ain net init writes
// it), else AIN_HOST / AIN_PORT, else 127.0.0.1:8080, as the node itself reads them.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';

const timeoutMs = 2000;
let config = {};
try {
  config = JSON.parse(readFileSync(`${process.env.AIN_DATA || '/data'}/config.json`, 'utf8'));
} catch {
  // No config file: the defaults below.
}
const host = process.env.AIN_HOST || (typeof config.host === 'string' ? config.host : '127.0.0.1');
const port = Number(process.env.AIN_PORT || (Number.isInteger(config.port) ? config.port : 8080));
const target = host === '0.0.0.0' ? '127.0.0.1' : host;

const request = get({ host: target, port, path: '/v1/health', timeout: timeoutMs }, (response) => {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => (body = (body + chunk).slice(0, 4096)));
  response.on('end', () => {
    let ok;
    try {
      ok = response.statusCode === 200 && JSON.parse(body).ok === true;
    } catch {
      ok = false;
    }
    console.log(ok ? `healthy: ${body}` : `unhealthy: HTTP ${response.statusCode} ${body}`);
    process.exit(ok ? 0 : 1);
  });
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (error) => {
  console.log(`unhealthy: ${error.message}`);
  process.exit(1);
});
