// SPDX-License-Identifier: Apache-2.0
(function () {
  'use strict';
  var errs = window.__flErrors = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) errs.push('failed to load ' + (t.src || t.href));
    else errs.push('error: ' + (e.message || e.type) + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
  }, true);
  window.addEventListener('unhandledrejection', function (e) { errs.push('unhandled rejection: ' + String(e.reason)); });
  document.addEventListener('securitypolicyviolation', function (e) {
    errs.push('blocked by the page\'s policy: ' + e.blockedURI + ' (' + e.violatedDirective + ')');
  });
  var orig = console.error;
  console.error = function () {
    try { errs.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' ')); } catch (_) {}
    return orig.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var rc = document.getElementById('render-check');
    if (!rc) return;
    if (!rc.hasAttribute('data-ok') && !errs.length) errs.push('the report script did not run');
    if (errs.length) { rc.setAttribute('data-ok', '0'); rc.setAttribute('data-errors', errs.join(' | ')); }
  });
})();
