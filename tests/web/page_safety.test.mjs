// What the CSP and the "text only" rule ask of web/, checked on the files
// themselves: no HTML parsed from strings, no inline script, style or
// handler in the page, and every module the page loads exists.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const modules = files(web).filter((f) => f.endsWith('.mjs'));

test('no module parses HTML from strings or evaluates code', () => {
  assert.ok(modules.length >= 10);
  const sinks = /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\.style\.|setAttribute\(\s*['"](style|on)/;
  for (const file of modules) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, sinks, relative(web, file));
  }
});

test('the page has no inline script, style or event handler', () => {
  const page = readFileSync(join(web, 'index.html'), 'utf8');
  for (const tag of page.match(/<script[^>]*>/g)) assert.match(tag, /\ssrc="\/ui\//);
  assert.doesNotMatch(page, /<script[^>]*>[^<]+<\/script>/);
  assert.doesNotMatch(page, /<style|\sstyle=|\son[a-z]+=/i);
});

test('every relative import names a module that exists', () => {
  for (const file of modules) {
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/^import\s+(?:[^'"]*from\s+)?'(\.[^']+)'/gm)) {
      assert.ok(statSync(resolve(dirname(file), target)).isFile(), `${relative(web, file)} imports ${target}`);
    }
  }
});

test('the page preloads exactly the modules app.mjs imports, directly or not', () => {
  // Without the list the browser finds the imports level by level, one
  // round trip each (some 150 ms of a first render on a busy server).
  const imported = new Set();
  const visit = (file) => {
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/^import\s+(?:[^'"]*from\s+)?'(\.[^']+)'/gm)) {
      const path = resolve(dirname(file), target);
      if (imported.has(path)) continue;
      imported.add(path);
      visit(path);
    }
  };
  visit(join(web, 'app.mjs'));
  const page = readFileSync(join(web, 'index.html'), 'utf8');
  const preloaded = [...page.matchAll(/<link rel="modulepreload" href="\/ui\/([^"]+)">/g)]
    .map(([, path]) => join(web, path));
  assert.deepEqual([...preloaded].sort(), [...imported].sort());
});
