// Council portal front-end entry point (ES module).
//
// Load with:
//   <script defer src="{% static 'vendor/plotly-basic.min.js' %}" nonce="..."></script>   (chart pages)
//   <script type="module" src="{% static 'js/portal.js' %}" nonce="..."></script>
//
// 1. Initialises GOV.UK Frontend 6 components.
// 2. Renders plotly charts: <div class="app-chart" data-chart="ID"></div> plus
//    {{ figure|json_script:"ID" }} holding {"data": [...], "layout": {...}}.

import { initAll } from '../govuk/govuk-frontend.min.js'

// GOV.UK Frontend 6 only initialises (and its CSS only applies JS-enhanced
// styles) when <body> has the class `govuk-frontend-supported`. Their page
// template adds it with an inline <script>; our CSP forbids inline scripts,
// so add it here. A browser that runs this module supports ES modules, which
// is exactly the check their snippet makes ('noModule' in HTMLScriptElement).
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()

function renderCharts () {
  const Plotly = window.Plotly
  if (!Plotly || typeof Plotly.newPlot !== 'function') {
    return // plotly-basic.min.js not loaded on this page
  }

  document.querySelectorAll('[data-chart]').forEach((el) => {
    const source = document.getElementById(el.dataset.chart)
    if (!source) {
      return
    }
    try {
      const fig = JSON.parse(source.textContent)
      Plotly.newPlot(el, fig.data || [], fig.layout || {}, {
        responsive: true,
        displaylogo: false,
        // plotly.js 4 shows a "Share chart..." modebar button by default that
        // uploads the figure to Plotly Cloud: never offer that for council data.
        showSendToCloud: false
      })
    } catch (error) {
      console.error('Could not render chart "' + el.dataset.chart + '"', error)
    }
  })
}

renderCharts()

// A table wider than the screen scrolls inside its `.app-table-scroll` wrapper. Keyboard users
// must be able to reach and scroll it (WCAG 2.1.1), so while it overflows the wrapper is a
// focusable region named after the table's caption.
function labelScrollingTables () {
  document.querySelectorAll('.app-table-scroll').forEach((el) => {
    if (el.scrollWidth > el.clientWidth) {
      const caption = el.querySelector('caption')
      el.setAttribute('tabindex', '0')
      el.setAttribute('role', 'region')
      el.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Table')
    } else {
      el.removeAttribute('tabindex')
      el.removeAttribute('role')
      el.removeAttribute('aria-label')
    }
  })
}

labelScrollingTables()
window.addEventListener('resize', labelScrollingTables)
