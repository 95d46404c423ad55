// Progress of an upload being saved in the background (ES module).
//
// Load on the upload's page while it is being saved:
//   <script type="module" src="{% static 'js/upload-progress.js' %}" nonce="..."></script>
// It looks for <div data-upload-progress="JSON URL"> holding a <progress>, an element with
// data-upload-message and an aria-live element with data-upload-announce. Every second it
// asks the JSON URL how far the job has got, moves the bar and updates the message; screen
// readers hear each quarter and each change of phase, not every tick. When the job has
// ended it reloads the page, which then shows the result. Without JavaScript the page keeps
// its "Refresh this page" link.

const POLL_MS = 1000

function start (root) {
  const url = root.dataset.uploadProgress
  const bar = root.querySelector('progress')
  const message = root.querySelector('[data-upload-message]')
  const announce = root.querySelector('[data-upload-announce]')
  let spokenKey = null

  function show (data) {
    if (typeof data.done === 'number' && data.total > 0) {
      bar.max = data.total
      bar.value = data.done
      bar.textContent = data.percent + '%'
    } else {
      bar.removeAttribute('value') // indeterminate until rows are being written
    }
    message.textContent = data.message
    const quarter = data.percent === null ? '' : Math.floor(data.percent / 25)
    const key = data.phase + ':' + quarter
    if (key !== spokenKey) {
      announce.textContent = data.message
      spokenKey = key
    }
  }

  async function poll () {
    try {
      const response = await fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (response.status >= 400 && response.status < 500) {
        return // signed out or no longer allowed: the refresh link says what to do
      }
      if (response.ok) {
        const data = await response.json()
        if (data.finished) {
          window.location.reload()
          return
        }
        show(data)
      }
    } catch {
      // A dropped connection: try again on the next tick; the refresh link still works.
    }
    window.setTimeout(poll, POLL_MS)
  }

  window.setTimeout(poll, POLL_MS)
}

document.querySelectorAll('[data-upload-progress]').forEach(start)
