// Loaded in <head>, before the page is drawn: styles for "scripts run" apply from the first paint.
// (A file of its own: the Content-Security-Policy allows no inline script.)
document.documentElement.classList.add("js");
