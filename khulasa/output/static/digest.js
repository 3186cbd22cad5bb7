// The citation viewer: a citation button names a citation id; the page data maps it to the cited span
// and to the summary sentence whose other citations are listed beside it.
const data = JSON.parse(document.getElementById('khulasa-data').textContent);
const viewer = document.getElementById('viewer');

function esc(s) {
  const d = document.createElement('div');
  d.textContent = s;
  return d.innerHTML;
}

// A server's page of many stories leaves the cited texts out (a real week's home page was 8.7 MB with
// them): they are asked of the server when a citation is opened, once each.
function withTexts(ids) {
  const missing = [...new Set(ids)].filter(a => data.articles[a].text === undefined);
  return Promise.all(missing.map(a => fetch('/api/articles/' + a.split('/').map(encodeURIComponent).join('/'))
    .then(r => r.ok ? r.json() : Promise.reject(new Error(r.status + ' ' + r.statusText)))
    .then(doc => { data.articles[a].text = doc.text; })));
}

function openCitation(id) {
  const c = data.citations[id];
  const ids = [c.article_id, ...data.sentences[c.sentence].map(x => data.citations[x].article_id)];
  withTexts(ids).then(() => show(id), err => {
    document.getElementById('viewer-title').textContent = data.articles[c.article_id].title || c.article_id;
    document.getElementById('viewer-meta').textContent = '';
    document.getElementById('viewer-text').textContent = 'تعذر جلب نص المقال من الخادم (' + err.message + ')';
    document.getElementById('viewer-others').innerHTML = '';
    viewer.hidden = false;
  });
}

function show(id) {
  const c = data.citations[id];
  const art = data.articles[c.article_id];
  const t = art.text;
  document.getElementById('viewer-title').textContent = art.title || c.article_id;
  // Latin names, dates and paths are isolated so the right-to-left line does not reorder them.
  document.getElementById('viewer-meta').innerHTML = [[art.source, 'auto'], [art.date, 'ltr'], [art.path, 'ltr']]
    .filter(x => x[0]).map(x => '<bdi dir="' + x[1] + '">' + esc(x[0]) + '</bdi>').join(' · ');
  document.getElementById('viewer-text').innerHTML = esc(t.slice(0, c.start)).replace(/\n/g, '<br>') +
    '<mark id="cited">' + esc(t.slice(c.start, c.end)) + '</mark>' + esc(t.slice(c.end)).replace(/\n/g, '<br>');
  const others = data.sentences[c.sentence].filter(x => x !== id).map(x => data.citations[x]);
  document.getElementById('viewer-others').innerHTML = others.length ?
    '<h4>تنقله أيضا</h4><ol class="others">' + others.map(o => '<li><b><bdi>' + esc(o.source) + '</bdi></b> ' +
      '<bdi dir="ltr">' + esc(o.date || '') + '</bdi>: ' + esc(data.articles[o.article_id].text.slice(o.start, o.end)) + '</li>').join('') +
    '</ol>' : '';
  const opened = !viewer.hidden;
  viewer.hidden = false;
  // Scroll the viewer to the cited span, never the page: the reader stays at the sentence they tapped.
  const cited = document.getElementById('cited');
  viewer.scrollTop = Math.max(0, cited.offsetTop - viewer.clientHeight / 3);
  if (!opened) history.pushState({viewer: id}, '');  // Back closes the viewer
  document.getElementById('viewer-close').focus({preventScroll: true});
}

function hide() {
  if (viewer.hidden) return;
  viewer.hidden = true;
  if (lastButton) lastButton.focus({preventScroll: true});
}

let lastButton = null;
document.querySelectorAll('button.cite').forEach(b => b.addEventListener('click', () => {
  lastButton = b;
  openCitation(b.dataset.cite);
}));
function close() {
  if (viewer.hidden) return;
  if (history.state && history.state.viewer) history.back(); else hide();
}
document.getElementById('viewer-close').addEventListener('click', close);
document.addEventListener('keydown', e => { if (e.key === 'Escape') close(); });
window.addEventListener('popstate', hide);

// Filters: by outlet, by date (a story whose events overlap the range), by a name of its entities
// (hamza, ta marbuta and diacritics do not matter).
const filters = document.getElementById('filters');
function fold(s) {
  return s.replace(/[\u064B-\u065F\u0670\u0640]/g, '').replace(/[أإآٱ]/g, 'ا').replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي').toLowerCase().trim();
}
function applyFilters() {
  const f = new FormData(filters);
  const outlet = f.get('outlet'), from = f.get('from'), to = f.get('to'), name = fold(f.get('entity') || '');
  const stories = document.querySelectorAll('section.story');
  let shown = 0;
  stories.forEach(s => {
    const d = s.dataset;
    const ok = (!outlet || d.outlets.split('|').includes(outlet)) &&
      (!from || (d.last && d.last >= from)) && (!to || (d.first && d.first <= to)) &&
      (!name || d.entities.split('|').some(e => fold(e).includes(name)));
    s.hidden = !ok;
    shown += ok ? 1 : 0;
  });
  filters.elements.shown.value = shown === stories.length ? '' : shown + ' من ' + stories.length;
}
if (filters) {
  filters.addEventListener('input', applyFilters);
  filters.addEventListener('submit', e => {
    if (!filters.dataset.store) { e.preventDefault(); return; }  // a file: nothing to ask
    for (const el of Array.from(filters.elements)) if (el.name && !el.value) el.disabled = true;  // clean URL
  });
}

// Labels in English or Arabic (the articles stay as written): the header's button, remembered, or ?lang=en.
function setLanguage(lang) {
  document.querySelectorAll('[data-en]').forEach(el => {
    if (el.dataset.ar === undefined) el.dataset.ar = el.textContent;
    el.textContent = lang === 'en' ? el.dataset.en : el.dataset.ar;
  });
  document.documentElement.dataset.labels = lang;
  try { localStorage.setItem('khulasa-labels', lang); } catch (e) { /* a file page may not store */ }
}
const langButton = document.getElementById('lang');
if (langButton) {
  langButton.addEventListener('click', () =>
    setLanguage(document.documentElement.dataset.labels === 'en' ? 'ar' : 'en'));
  let saved = new URLSearchParams(location.search).get('lang');
  try { saved = saved || localStorage.getItem('khulasa-labels'); } catch (e) { /* none */ }
  if (saved === 'en') setLanguage('en');
}
