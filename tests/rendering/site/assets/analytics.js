// A page-view counter stub: the about page loads a script but needs no rendering.
window.pageViews = (window.pageViews || 0) + 1;
