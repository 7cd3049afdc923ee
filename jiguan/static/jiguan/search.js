/* The header's global search (全局搜索): htmx fetches the hits as the user types; this shows the
 * dropdown when there is something in it and hides it on Escape or when the focus leaves. */
(function () {
  'use strict';
  var form = document.getElementById('global-search');
  if (!form) { return; }
  var input = document.getElementById('global-search-q');
  var results = document.getElementById('global-search-results');
  var show = function () { results.classList.toggle('show', results.innerHTML.trim() !== '' && input.value.trim() !== ''); };
  results.addEventListener('htmx:afterSwap', show);
  document.body.addEventListener('htmx:afterSwap', function (e) { if (e.target === results) { show(); } });
  input.addEventListener('focus', show);
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { results.classList.remove('show'); }
    if (e.key === 'ArrowDown') {
      var first = results.querySelector('a');
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
  form.addEventListener('focusout', function (e) {
    if (!form.contains(e.relatedTarget)) { results.classList.remove('show'); }
  });
})();
