// Progressive enhancement of the post form: capabilities suggested from the text as it is typed. The form
// works the same without it.
(function () {
  var title = document.getElementById('title');
  var description = document.getElementById('description');
  var out = document.getElementById('suggestions');
  if (!title || !description || !out) return;
  var timer;
  function suggest() {
    var text = title.value + '. ' + description.value;
    fetch('/suggest?text=' + encodeURIComponent(text.slice(0, 4000)), { headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json();
      })
      .then(function (body) {
        document.querySelectorAll('[data-capability]').forEach(function (el) {
          el.classList.remove('badge', 'suggested');
        });
        out.textContent = body.suggestions.length ? 'Suggested from your text: ' : '';
        body.suggestions.forEach(function (s) {
          var label = document.querySelector('[data-capability="' + s.slug + '"]');
          if (label) label.classList.add('badge', 'suggested');
          var b = document.createElement('span');
          b.className = 'badge suggested';
          b.textContent = s.name;
          out.appendChild(b);
          out.appendChild(document.createTextNode(' '));
        });
      })
      .catch(function () {});
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(suggest, 300);
  }
  title.addEventListener('input', schedule);
  description.addEventListener('input', schedule);
})();
