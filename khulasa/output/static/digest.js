// The citation viewer: a citation button names a citation id; the page data maps it to the cited span
// and to the summary sentence whose other citations are listed beside it.
const data = JSON.parse(document.getElementById('khulasa-data').textContent);
const viewer = document.getElementById('viewer');

function esc(s) {
  const d = document.createElement('div');
  d.textContent = s;
  return d.innerHTML;
}

function show(id) {
  const c = data.citations[id];
  const art = data.articles[c.article_id];
  const t = art.text;
  document.getElementById('viewer-title').textContent = art.title || c.article_id;
  document.getElementById('viewer-meta').textContent = [art.source, art.date || '', art.path].join(' · ');
  document.getElementById('viewer-text').innerHTML = esc(t.slice(0, c.start)).replace(/\n/g, '<br>') +
    '<mark id="cited">' + esc(t.slice(c.start, c.end)) + '</mark>' + esc(t.slice(c.end)).replace(/\n/g, '<br>');
  const others = data.sentences[c.sentence].filter(x => x !== id).map(x => data.citations[x]);
  document.getElementById('viewer-others').innerHTML = others.length ?
    '<h4>تنقله أيضا</h4><ol class="others">' + others.map(o => '<li><b>' + esc(o.source) + '</b> ' +
      esc(o.date || '') + ': ' + esc(data.articles[o.article_id].text.slice(o.start, o.end)) + '</li>').join('') +
    '</ol>' : '';
  viewer.hidden = false;
  document.getElementById('cited').scrollIntoView({block: 'center'});
}

document.querySelectorAll('button.cite').forEach(b => b.addEventListener('click', () => show(b.dataset.cite)));
document.getElementById('viewer-close').addEventListener('click', () => { viewer.hidden = true; });
