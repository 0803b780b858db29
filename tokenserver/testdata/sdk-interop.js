// Uploads through ImageKit's official Node SDK (@imagekit/nodejs) to the
// emulator, as a web team's server and its browsers would: server-side with
// the private key, and client-side with tokens from this project's
// token-server and from jsonwebtoken. Prints one JSON line per case:
// {name, ok, status, errorClass, message, body}; sdk_test.go judges them.
// Run by tokenserver/sdk_test.go with NODE_PATH holding the SDK.
// Node 18 (Debian 12's) has File in node:buffer only; the SDK wants it global.
if (typeof File === 'undefined') globalThis.File = require('node:buffer').File;
const ImageKit = require('@imagekit/nodejs');
const { toFile } = ImageKit;
const jwt = require('jsonwebtoken');
const fs = require('fs');
const path = require('path');

const cfg = JSON.parse(process.argv[2]);
const png = fs.readFileSync(cfg.png);

// The SDK sends arrays and objects as these strings: a token must sign the
// same bytes.
function serialize(opts) {
  const out = {};
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'file' || v === undefined) continue;
    if ((k === 'tags' || k === 'responseFields') && Array.isArray(v)) out[k] = v.join(',');
    else if (typeof v === 'object' && v !== null) out[k] = JSON.stringify(v);
    else out[k] = String(v);
  }
  return out;
}

// The names the SDK's own type gives an upload's answer.
function answerKeys() {
  const dts = fs.readFileSync(path.join(path.dirname(require.resolve('@imagekit/nodejs')), 'resources/beta/v2/files.d.ts'), 'utf8');
  const block = dts.slice(dts.indexOf('export interface FileUploadResponse {'));
  const body = block.slice(0, block.indexOf('\n}\n'));
  return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
}

async function tokenServer(fields) {
  const r = await fetch(cfg.tokenServer, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + cfg.bearer },
    body: JSON.stringify({ uploadPayload: fields, expire: 400, publicKey: cfg.publicKey }),
  });
  if (r.status !== 200) throw new Error('token-server answered ' + r.status + ': ' + (await r.text()));
  return (await r.json()).token;
}

function jsonwebtoken(fields) {
  return jwt.sign(fields, cfg.privateKey, { expiresIn: 400, header: { alg: 'HS256', typ: 'JWT', kid: cfg.publicKey } });
}

const server = new ImageKit({ privateKey: cfg.privateKey, baseURL: cfg.base, maxRetries: 0 });
// A browser has no private key; the SDK wants one to be made, and the token
// decides.
const browser = new ImageKit({ privateKey: 'none_in_a_browser', baseURL: cfg.base, maxRetries: 0 });

const every = {
  fileName: 'look.png',
  folder: '/sdk/server',
  tags: ['summer', 'dress'],
  useUniqueFileName: false,
  isPrivateFile: false,
  isPublished: true,
  overwriteFile: true,
  overwriteAITags: true,
  overwriteTags: true,
  overwriteCustomMetadata: true,
  customCoordinates: '1,1,8,8',
  customMetadata: { brand: 'acme' },
  description: 'A red dress, front',
  webhookUrl: 'https://cms.example.com/imagekit-hook',
  checks: '"file.size" < "1mb" AND "mediaMetadata.width" >= 64',
  transformation: { pre: 'w-2560,q-80', post: [{ type: 'transformation', value: 'w-400' }, { type: 'thumbnail', value: 'w-150' }] },
  responseFields: ['tags', 'customCoordinates', 'isPrivateFile', 'isPublished', 'customMetadata', 'embeddedMetadata', 'metadata', 'selectedFieldsSchema'],
  extensions: [
    { name: 'google-auto-tagging', maxTags: 5, minConfidence: 80 },
    { name: 'remove-bg', options: { add_shadow: false, bg_color: 'green' } },
    { name: 'ai-auto-description' },
    { name: 'ai-tasks', tasks: [
      { type: 'select_tags', instruction: 'What is shown?', vocabulary: ['dress', 'shoe'], max_selections: 1 },
      { type: 'yes_no', instruction: 'Is it outdoors?', on_yes: { add_tags: ['outdoor'] } },
    ] },
    { name: 'saved-extension', id: 'ext_saved_1' },
  ],
};

async function run(name, fn) {
  try {
    const body = await fn();
    console.log(JSON.stringify({ name, ok: true, body }));
  } catch (e) {
    console.log(JSON.stringify({ name, ok: false, status: e.status, errorClass: e.constructor.name, message: e.message }));
  }
}

(async () => {
  console.log(JSON.stringify({ name: 'answer keys', ok: true, body: answerKeys() }));
  await run('server-side, every option', async () =>
    server.beta.v2.files.upload({ ...every, file: await toFile(png, 'look.png') }));
  for (const [name, sign] of [['token from token-server', tokenServer], ['token from jsonwebtoken', jsonwebtoken]]) {
    const opts = { ...every, folder: '/sdk/' + (sign === tokenServer ? 'token-server' : 'jsonwebtoken') };
    await run(name, async () => browser.beta.v2.files.upload({ ...opts, file: await toFile(png, 'look.png'), token: await sign(serialize(opts)) }));
  }
  const small = { fileName: 'small.png', folder: '/sdk/errors' };
  await run('tampered', async () => {
    const token = jsonwebtoken(serialize(small));
    return browser.beta.v2.files.upload({ ...small, fileName: 'other.png', file: await toFile(png, 'x.png'), token });
  });
  await run('reused', async () => {
    const token = jsonwebtoken(serialize(small));
    await browser.beta.v2.files.upload({ ...small, file: await toFile(png, 'x.png'), token });
    return browser.beta.v2.files.upload({ ...small, file: await toFile(png, 'x.png'), token });
  });
  await run('failed check', async () =>
    server.beta.v2.files.upload({ ...small, checks: '"file.size" < "10"', file: await toFile(png, 'x.png') }));
  await run('too large', async () =>
    server.beta.v2.files.upload({ ...small, file: await toFile(Buffer.alloc(cfg.tooLarge, 1), 'big.bin'), fileName: 'big.bin' }));
  await run('wrong private key', async () =>
    new ImageKit({ privateKey: 'private_not_this_one', baseURL: cfg.base, maxRetries: 0 }).beta.v2.files.upload({ ...small, file: await toFile(png, 'x.png') }));
  await run('base64', async () => server.beta.v2.files.upload({ ...small, fileName: 'b64.png', file: png.toString('base64') }));
})();
