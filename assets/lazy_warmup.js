/* Resolves dcc's lazily loaded components (Graph, Dropdown, Slider) before Dash renders the page.

   dcc wraps each of them in React.lazy. The first render that meets one suspends, and React
   reveals suspended content no sooner than 500 ms after it showed the fallback (its Suspense
   throttle): the map's first draw waited about 240 ms for nothing. dashboard/first_view.py
   loads the three chunks as plain scripts; here, at DOMContentLoaded (after Dash's scripts,
   before its layout arrives), each component is rendered once into a detached root and
   unmounted at once. That starts the lazy wrappers' imports, which resolve from the loaded
   chunks, so Dash's own render mounts the components directly. Nothing is drawn. If any part
   is missing (another Dash version), this does nothing and the page renders as before. */
(function () {
  const COMPONENTS = [
    ["Graph", { figure: { data: [], layout: {} } }],
    ["Dropdown", { options: [] }],
    ["Slider", { min: 0, max: 1, value: 0 }],
  ];

  function warmUp() {
    const React = window.React, ReactDOM = window.ReactDOM;
    const dcc = window.dash_core_components, api = window.dash_component_api;
    if (!React || !ReactDOM || !ReactDOM.createRoot || !ReactDOM.flushSync || !dcc || !api || !api.DashContext) return;
    const nothing = () => false;
    // the context a component reads outside Dash's tree: nothing is loading, no store
    const context = { componentPath: [], isLoading: nothing, useLoading: nothing, useSelector: () => undefined, useStore: () => null, useDispatch: () => nothing };
    class Quiet extends React.Component {  // a component that fails outside Dash's tree renders nothing
      constructor(props) { super(props); this.state = { failed: false }; }
      static getDerivedStateFromError() { return { failed: true }; }
      render() { return this.state.failed ? null : this.props.children; }
    }
    // the Graph's import also loads plotly.js when window.Plotly is not there yet: leave that to Dash
    const wanted = COMPONENTS.filter(([name]) => dcc[name] && (name !== "Graph" || window.Plotly));
    if (!wanted.length) return;
    const children = wanted.map(([name, props]) =>
      React.createElement(dcc[name], Object.assign({ key: name, id: "lazy-warmup-" + name, setProps: nothing }, props)));
    const root = ReactDOM.createRoot(document.createElement("div"));
    try {
      ReactDOM.flushSync(() => root.render(React.createElement(api.DashContext.Provider, { value: context }, React.createElement(Quiet, null, children))));
    } finally {
      root.unmount();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    try { warmUp(); } catch (error) { /* the page renders as before, only later */ }
  });
})();
