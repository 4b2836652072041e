// Kasip's search page and Telegram Mini App. No framework, no external resources; Telegram's
// WebApp script is loaded only when the page is opened inside Telegram.
(() => {
  'use strict';
  const $ = (s) => document.querySelector(s);
  const LANGS = ['ru', 'kk', 'en'];
  const STRINGS = JSON.parse($('#kasip-strings').textContent);
  const DATA = JSON.parse($('#kasip-data').textContent);
  const input = $('#q');
  const result = $('#result');
  let tg = null;          // Telegram.WebApp inside Telegram
  let chosenLang = null;  // set by ?lang= or the switch: kept in links
  let lang = 'ru';
  let timer = 0, seq = 0, ctrl = null;

  const S = (id) => (STRINGS[lang] || {})[id] || (STRINGS.en || {})[id] || id;
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    e.append(...kids);
    return e;
  };

  function fromTag(tag) {
    const l = String(tag || '').toLowerCase().split(/[-_]/)[0];
    return l === 'kz' ? 'kk' : (LANGS.includes(l) ? l : null);
  }

  // ?lang=, else Telegram's language, else the browser's (the server read Accept-Language), else Russian.
  function pickLang() {
    const p = new URLSearchParams(location.search).get('lang');
    if (LANGS.includes(p)) { chosenLang = p; return p; }
    const u = tg && tg.initDataUnsafe && tg.initDataUnsafe.user;
    return fromTag(u && u.language_code) || DATA.lang || fromTag(navigator.language) || 'ru';
  }

  function url(path, params) {
    const q = new URLSearchParams(params || {});
    if (chosenLang) q.set('lang', chosenLang);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  }

  function applyStrings() {
    document.documentElement.lang = lang;
    document.title = S('web-title');
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = S(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = S(e.dataset.i18nPlaceholder);
    for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }

  async function getJSON(path, signal) {
    const r = await fetch(path, { headers: { Accept: 'application/json' }, signal });
    let body = null;
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    return { ok: r.ok, status: r.status, body };
  }

  function link(code, text) {
    const a = el('a', { href: url(`/p/${code}`), 'data-nav': '' });
    a.append(text, ' ', el('span', { class: 'code', text: code }));
    return a;
  }

  function problem(box, status) {
    box.dataset.verdict = '';
    box.replaceChildren(el('p', { class: 'answer', role: 'alert', text: S(status === 429 ? 'web-busy' : status === 404 ? 'web-not-found' : 'error') }));
  }

  // ---- search as you type
  function renderVerdict(d) {
    result.dataset.verdict = d.verdict;
    const kids = [el('span', { class: `badge ${d.verdict}`, text: d.verdict_text }), el('p', { class: `answer ${d.verdict}`, text: d.text })];
    if (d.verdict === 'listed' && d.code) {
      kids.push(el('a', { class: 'share', href: url(`/p/${d.code}`), 'data-nav': '', text: S('web-share') }));
    } else if (d.candidates && d.candidates.length) {
      kids.push(el('ul', { class: 'options' }, ...d.candidates.map((c) => el('li', {}, link(c.code, c.name)))));
    }
    result.replaceChildren(...kids);
  }

  async function search() {
    const q = input.value.trim();
    const my = ++seq;
    history.replaceState(null, '', url('/', q ? { q } : {}));
    if (ctrl) ctrl.abort();
    if (!q) { result.replaceChildren(); result.dataset.verdict = ''; return; }
    ctrl = new AbortController();
    result.setAttribute('aria-busy', 'true');
    try {
      const r = await getJSON(`/api/v1/match?${new URLSearchParams({ q, lang, partial: '1' })}`, ctrl.signal);
      if (my !== seq) return;
      if (r.ok && r.body) renderVerdict(r.body); else problem(result, r.status);
    } catch (e) {
      if (e.name !== 'AbortError' && my === seq) problem(result, 0);
    } finally {
      if (my === seq) result.removeAttribute('aria-busy');
    }
  }

  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  $('#search-form').addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); search(); });

  // ---- browse by field
  async function browse() {
    const box = $('#fields');
    try {
      const [f, p] = await Promise.all([getJSON(`/api/v1/fields?lang=${lang}`), getJSON(`/api/v1/professions?lang=${lang}`)]);
      if (!f.ok || !p.ok) return problem(box, f.ok ? p.status : f.status);
      const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.field));
      box.replaceChildren(...f.body.fields.map((field) => {
        const members = p.body.professions.filter((x) => x.fields.some((y) => y.id === field.id));
        const d = el('details', { 'data-field': field.id },
          el('summary', { text: `${field.name} (${field.count})` }),
          el('ul', {}, ...members.map((x) => el('li', {}, link(x.code, x.name)))));
        if (open.has(field.id)) d.open = true;
        return d;
      }));
    } catch (_) { problem(box, 0); }
  }

  // ---- one profession (/p/CODE)
  async function showProfession(code) {
    const box = $('#profession');
    box.replaceChildren(el('p', { class: 'hint', text: S('web-loading') }));
    try {
      const r = await getJSON(`/api/v1/professions/${encodeURIComponent(code)}?lang=${lang}`);
      if (!r.ok) return problem(box, r.status);
      const d = r.body;
      box.dataset.verdict = d.verdict;
      box.replaceChildren(
        el('h1', { text: d.name }),
        el('span', { class: `badge ${d.verdict}`, text: d.verdict_text }),
        el('p', { class: `answer ${d.verdict}`, text: d.text }));
      document.title = `${d.name} · ${d.code} — Kasip`;
    } catch (_) { problem(box, 0); }
  }

  // ---- views and history
  function route() {
    const m = location.pathname.match(/^\/p\/([^/]+)\/?$/);
    $('#search-view').hidden = !!m;
    $('#profession-view').hidden = !m;
    if (tg && tg.BackButton) { if (m) tg.BackButton.show(); else tg.BackButton.hide(); }
    if (m) { showProfession(decodeURIComponent(m[1])); return; }
    document.title = S('web-title');
    const q = new URLSearchParams(location.search).get('q') || '';
    if (input.value !== q) input.value = q;
    search();
  }

  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[data-nav]');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    const to = new URL(a.href, location.href);
    if (to.pathname === '/' && to.search === '' && chosenLang) to.search = `?lang=${chosenLang}`;
    history.pushState(null, '', to.pathname + to.search);
    route();
    window.scrollTo(0, 0);
    if (to.pathname === '/') input.focus();
  });
  window.addEventListener('popstate', route);

  function setLang(l, save) {
    if (!LANGS.includes(l)) return;
    lang = l;
    applyStrings();
    browse();
    route();
    if (save && tg && tg.initData) {
      // Inside Telegram the choice is the bot's too (validated against Telegram's signature).
      fetch('/api/v1/webapp/lang', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ init_data: tg.initData, lang: l }) }).catch(() => {});
    }
  }

  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => {
      chosenLang = b.dataset.lang;
      const u = new URL(location.href);
      u.searchParams.set('lang', chosenLang);
      history.replaceState(null, '', u.pathname + u.search);
      setLang(chosenLang, true);
    });
  }

  // ---- Telegram Mini App: theme, language, back button
  function theme() {
    const p = (tg && tg.themeParams) || {};
    const map = { bg_color: '--bg', text_color: '--fg', hint_color: '--muted', link_color: '--link', button_color: '--accent',
      button_text_color: '--accent-fg', secondary_bg_color: '--card' };
    for (const [k, v] of Object.entries(map)) if (p[k]) document.documentElement.style.setProperty(v, p[k]);
  }

  function telegram() {
    tg = window.Telegram && window.Telegram.WebApp;
    if (!tg) return;
    tg.ready();
    if (tg.expand) tg.expand();
    theme();
    tg.onEvent('themeChanged', theme);
    if (tg.BackButton) tg.BackButton.onClick(() => history.back());
    const l = pickLang();
    if (l !== lang) setLang(l, false); else route();
  }

  const inTelegram = /tgWebApp/.test(location.hash) || /tgWebApp/.test(location.search);
  if (inTelegram) {
    const s = document.createElement('script');
    s.src = 'https://telegram.org/js/telegram-web-app.js';
    s.onload = telegram;
    document.head.append(s);
  }

  lang = pickLang();
  applyStrings();
  browse();
  route();
})();
