// upload.js: the upload page's script (plain ES2020, no dependencies).
//
// An X archive is often several GB, almost all media. Rather than send it,
// this script reads only the zip's central directory (with File.slice),
// inflates the few entries quitx needs, shows what it found, and uploads
// just those. Without it (JavaScript off, or a browser without
// DecompressionStream) the plain form still works and posts the files as
// picked. All human text comes from the page's #strings block.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('upload-form'), input = $('file'), button = $('send');
  const found = $('found'), status = $('status'), progress = $('progress');
  if (!form || typeof DecompressionStream !== 'function' || !Blob.prototype.stream) return;

  const S = JSON.parse($('strings').textContent);
  const lang = document.documentElement.lang || 'en';
  const plural = new Intl.PluralRules(lang);
  const num = new Intl.NumberFormat(lang);
  const mb = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const claimed = (document.body.dataset.handle || '').replace(/^@/, '');
  const maxMb = Number(document.body.dataset.maxMb);
  const maxBytes = maxMb > 0 ? maxMb * 1048576 : Infinity;

  // The files the server wants, by base name (wherever they sit in the zip).
  const WANTED = /^(?:manifest|account|(?:follower|following)(?:-part\d+)?)\.js$/;
  const KEY = '"accountId"';   // one per entry in follower/following files

  // A translated string; {n} with an array picks the plural form.
  function t(key, vars = {}) {
    let s = S[key] ?? key;
    if (Array.isArray(s)) s = s[plural.select(vars.n) === 'one' ? 0 : 1];
    return s.replace(/\{(\w+)\}/g, (m, k) =>
      k in vars ? (typeof vars[k] === 'number' ? num.format(vars[k]) : String(vars[k])) : m);
  }

  // An error whose message is already for the member.
  class Shown extends Error {}

  const view = async (file, start, end) => new DataView(await file.slice(start, end).arrayBuffer());
  const u64 = (dv, at) => Number(dv.getBigUint64(at, true));   // exact below 2^53: ample for offsets

  // The zip's entries, from its central directory only. Any inconsistency (a read
  // past the end of a record, say) means the same to the member: not a readable zip.
  async function zipEntries(file) {
    try {
      return await readDirectory(file);
    } catch (err) {
      throw err instanceof Shown ? err : new Shown(t('not_zip', { name: file.name }));
    }
  }

  async function readDirectory(file) {
    const bad = () => new Shown(t('not_zip', { name: file.name }));
    // The End Of Central Directory record is 22 bytes plus a comment of up to 64 KiB.
    const tailAt = Math.max(0, file.size - (65535 + 22));
    const tail = await view(file, tailAt, file.size);
    let e = tail.byteLength - 22;
    while (e >= 0 && !(tail.getUint32(e, true) === 0x06054b50 &&
                       e + 22 + tail.getUint16(e + 20, true) <= tail.byteLength)) e--;
    if (e < 0) throw bad();
    let cdSize = tail.getUint32(e + 12, true), cdAt = tail.getUint32(e + 16, true);
    // Zip64 (archives over 4 GB): a locator just before the EOCD points at the zip64 record.
    const eocdAt = tailAt + e;
    if (eocdAt >= 20) {
      const loc = await view(file, eocdAt - 20, eocdAt);
      if (loc.getUint32(0, true) === 0x07064b50) {
        const recAt = u64(loc, 8);
        const rec = await view(file, recAt, recAt + 56);
        if (rec.byteLength < 56 || rec.getUint32(0, true) !== 0x06064b50) throw bad();
        cdSize = u64(rec, 40);
        cdAt = u64(rec, 48);
      }
    }
    if (cdAt + cdSize > file.size) throw bad();
    const cd = await view(file, cdAt, cdAt + cdSize);
    const utf8 = new TextDecoder();
    const entries = [];
    // Walk the records rather than trust the entry count (it saturates at 0xFFFF).
    for (let p = 0; p + 46 <= cd.byteLength && cd.getUint32(p, true) === 0x02014b50; ) {
      const nlen = cd.getUint16(p + 28, true), xlen = cd.getUint16(p + 30, true);
      const ent = {
        path: utf8.decode(new Uint8Array(cd.buffer, p + 46, nlen)),
        flags: cd.getUint16(p + 8, true), method: cd.getUint16(p + 10, true),
        csize: cd.getUint32(p + 20, true), usize: cd.getUint32(p + 24, true),
        offset: cd.getUint32(p + 42, true),
      };
      // Zip64 extra field: 8-byte values for the fields saturated at 0xFFFFFFFF, in this order.
      for (let x = p + 46 + nlen, end = x + xlen; x + 4 <= end; x += 4 + cd.getUint16(x + 2, true)) {
        if (cd.getUint16(x, true) !== 0x0001) continue;
        let q = x + 4;
        for (const f of ['usize', 'csize', 'offset'])
          if (ent[f] === 0xffffffff) { ent[f] = u64(cd, q); q += 8; }
      }
      entries.push(ent);
      p += 46 + nlen + xlen + cd.getUint16(p + 32, true);
    }
    if (!entries.length) throw bad();
    return entries;
  }

  // An entry's uncompressed bytes, as a stream; its local header says where the data starts.
  async function entryStream(file, ent, name) {
    if (ent.flags & 1) throw new Shown(t('encrypted', { name }));
    if (ent.method !== 0 && ent.method !== 8) throw new Shown(t('method', { name }));
    const h = await view(file, ent.offset, ent.offset + 30);
    if (h.byteLength < 30 || h.getUint32(0, true) !== 0x04034b50) throw new Shown(t('corrupt', { name }));
    const at = ent.offset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
    if (at + ent.csize > file.size) throw new Shown(t('corrupt', { name }));   // a cut download
    const raw = file.slice(at, at + ent.csize).stream();
    return ent.method === 8 ? raw.pipeThrough(new DecompressionStream('deflate-raw')) : raw;
  }

  // Passes bytes through, counting "accountId" without ever holding the file as one string
  // (a follower list can be hundreds of MB), and stops anything over the upload limit
  // (which also defuses zip bombs).
  function counter(name) {
    const dec = new TextDecoder('latin1');   // one char per byte: enough to find an ASCII key
    const c = { count: 0, bytes: 0, error: null, carry: '' };
    c.stream = new TransformStream({
      transform(chunk, ctl) {
        c.bytes += chunk.byteLength;
        if (c.bytes > maxBytes) throw (c.error = new Shown(t('too_big_file', { name, max: maxMb })));
        const s = c.carry + dec.decode(chunk, { stream: true });
        for (let i = s.indexOf(KEY); i >= 0; i = s.indexOf(KEY, i + KEY.length)) c.count++;
        c.carry = s.slice(-(KEY.length - 1));   // too short to hold a whole match: none counted twice
        ctl.enqueue(chunk);
      },
    });
    return c;
  }

  // One file to send: {name, blob, count}. A picked .js file is sent as it is;
  // a zip entry is inflated into a Blob (the browser may keep large ones on disk).
  async function take(name, stream, file) {
    const c = counter(name);
    try {
      const out = stream.pipeThrough(c.stream);
      const blob = file ? (await out.pipeTo(new WritableStream()), file) : await new Response(out).blob();
      return { name, blob, count: c.count };
    } catch (err) {
      throw c.error || (err instanceof Shown ? err : new Shown(t('corrupt', { name })));
    }
  }

  const isZip = async (f) => /\.zip$/i.test(f.name) ||
    (f.size >= 4 && (await view(f, 0, 4)).getUint32(0, true) === 0x04034b50);
  const kindRank = (n) => ['manifest', 'account', 'follower', 'following'].indexOf(n.replace(/(-part\d+)?\.js$/, ''));
  const partNo = (n) => Number((n.match(/-part(\d+)/) || [0, -1])[1]);

  // Everything picked, reduced to the files to send, with counts and the archive's handle.
  async function prepare(files) {
    const parts = new Map();   // base name -> part; the first one of a name wins
    for (const f of files) {
      if (await isZip(f)) {
        // If a name occurs twice, prefer the copy in a data/ folder, as X lays it out.
        const picks = new Map();
        for (const ent of await zipEntries(f)) {
          const name = ent.path.split(/[\\/]/).pop();
          if (!WANTED.test(name) || (picks.has(name) && !/(^|\/)data\/[^/]+$/.test(ent.path))) continue;
          picks.set(name, ent);
        }
        for (const [name, ent] of picks)
          if (!parts.has(name)) parts.set(name, await take(name, await entryStream(f, ent, name)));
      } else if (WANTED.test(f.name) && !parts.has(f.name)) {
        parts.set(f.name, await take(f.name, f.stream(), f));
      }
    }
    const list = [...parts.values()].sort((a, b) =>
      kindRank(a.name) - kindRank(b.name) || partNo(a.name) - partNo(b.name));
    if (!list.some((p) => /^follow/.test(p.name))) throw new Shown(t('no_files'));
    const sum = (re) => list.filter((p) => re.test(p.name)).reduce((n, p) => n + p.count, 0);
    const account = parts.get('account.js');
    const m = account && (await account.blob.slice(0, 1 << 20).text()).match(/"username"\s*:\s*"([^"\\]*)"/);
    return {
      parts: list,
      followers: sum(/^follower[-.]/), following: sum(/^following[-.]/),
      handle: m ? m[1] : '',
      bytes: list.reduce((n, p) => n + p.blob.size, 0),
    };
  }

  function say(el, state, ...lines) {
    el.textContent = '';
    for (const [text, cls] of lines) {
      const p = document.createElement('p');
      p.textContent = text;
      if (cls) p.className = cls;
      el.append(p);
    }
    if (state) el.dataset.state = state; else delete el.dataset.state;
  }
  const setStatus = (state, text) => {
    status.textContent = text;
    if (state) status.dataset.state = state; else delete status.dataset.state;
  };

  let generation = 0, prepared = null;

  // Reads the picked files as soon as they are chosen, so the member sees the counts first.
  async function scan() {
    const gen = ++generation;
    const current = () => gen === generation;   // a newer pick makes this one moot
    setStatus('', '');
    progress.hidden = true;
    if (!input.files.length) { say(found, ''); return null; }
    say(found, 'busy', [t('reading')]);
    button.disabled = true;
    try {
      const r = await prepare([...input.files]);
      if (!current()) return null;
      const counts = {
        followers: t('followers', { n: r.followers }), following: t('following', { n: r.following }),
      };
      const lines = [[r.handle ? t('found_handle', { x: r.handle, ...counts }) : t('found', counts)]];
      if (r.handle && claimed && r.handle.toLowerCase() !== claimed.toLowerCase())
        lines.push([t('handle_differs', { x: r.handle, claimed }), 'warn']);
      say(found, 'ready', ...lines);
      if (r.bytes > maxBytes)
        throw new Shown(t('too_big', { size: mb.format(r.bytes / 1048576), max: maxMb }));
      return r;
    } catch (err) {
      if (!current()) return null;
      if (found.dataset.state !== 'ready') say(found, 'error');
      setStatus('error', err instanceof Shown ? err.message : t('unreadable', { error: err.message || err }));
      return null;
    } finally {
      if (current()) button.disabled = false;
    }
  }

  function send(r) {
    const fd = new FormData();
    for (const p of r.parts) fd.append('file', p.blob, p.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);   // action="" is this very URL, whatever proxy prefix
    xhr.setRequestHeader('Accept', 'application/json');
    progress.hidden = false;
    progress.removeAttribute('value');   // indeterminate until the first progress event
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) { progress.max = e.total; progress.value = e.loaded; }
    };
    const done = (state, text) => {
      setStatus(state, text);
      button.disabled = state === 'ok';   // sent: no need to send twice
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: say so below */ }
      const msg = body && typeof body.message === 'string' && body.message;
      if (xhr.status >= 200 && xhr.status < 300 && body && body.ok === true) done('ok', msg || '✓');
      else done('error', msg || (xhr.status === 413 ? t('too_big_server', { max: maxMb })
                                                    : t('server_error', { status: xhr.status })));
    };
    // The server may close the connection as soon as it sees a too large upload.
    xhr.onerror = xhr.onabort = () => done('error', t('network', { max: maxMb }));
    button.disabled = true;
    setStatus('busy', t('sending'));
    xhr.send(fd);
  }

  input.addEventListener('change', () => { prepared = scan(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (button.disabled) return;
    const r = await (prepared || (prepared = scan()));
    if (r) send(r);
  });
})();
