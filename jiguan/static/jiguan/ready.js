/* Readiness mark: the last script of every page (base.html). It sets <body data-ready="1"> once the
 * page's own scripts have attached their handlers: the scripts above it have run, and htmx (which
 * processes the page on DOMContentLoaded, with a listener added before this one) has wired its
 * attributes. The browser tests wait for it before they type into or click what a script drives;
 * nothing else reads it.
 */
(function () {
  'use strict';

  function mark() { document.body.dataset.ready = '1'; }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mark);
  } else {
    mark();
  }
})();
