// Desktop notifications and a beep for new VIP and P1 items. Permission is asked only when the agent clicks.
import { $ } from './dom.js';

const ALERTS_KEY = 'callbridge.alerts';
const SOUND_KEY = 'callbridge.sound';
const URGENT = new Set(['vip', 'p1']);

const supported = 'Notification' in window;
let audio = null;

const alertsOn = () => supported && Notification.permission === 'granted' && localStorage.getItem(ALERTS_KEY) === 'on';
const soundOn = () => localStorage.getItem(SOUND_KEY) === 'on';

function refresh() {
  const button = $('#notify-toggle');
  button.hidden = !supported;
  button.setAttribute('aria-pressed', String(alertsOn()));
  button.textContent = alertsOn() ? 'Desktop alerts on' : 'Turn on desktop alerts';
  $('#sound-toggle').checked = soundOn();
  // Only the browser's site settings can undo a refusal; the banner says so rather than asking again.
  $('#notify-banner').hidden = !(supported && Notification.permission === 'denied');
}

export function initNotify() {
  refresh();
  $('#notify-toggle').addEventListener('click', async () => {
    if (alertsOn()) {
      localStorage.setItem(ALERTS_KEY, 'off');
      return refresh();
    }
    const permission = await Notification.requestPermission();
    localStorage.setItem(ALERTS_KEY, permission === 'granted' ? 'on' : 'off');
    refresh();
  });
  $('#sound-toggle').addEventListener('change', (e) => {
    localStorage.setItem(SOUND_KEY, e.target.checked ? 'on' : 'off');
    // Browsers start audio only from a click: the context is made here, and the beep plays as a sample.
    if (e.target.checked) beep();
  });
}

function beep() {
  audio ??= new AudioContext();
  const start = audio.currentTime;
  for (const offset of [0, 0.22]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.18);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.2);
  }
}

/** A new open item: VIPs and P1s raise a desktop notification (when allowed) and a beep (when on). */
export function alertNewItem(item, { title, body, onClick }) {
  if (!URGENT.has(item.kind)) return;
  if (soundOn()) beep();
  if (!alertsOn()) return;
  // The tag makes a repeat for the same item replace the earlier one instead of stacking.
  const n = new Notification(title, { body, tag: `callbridge-queue-${item.id}` });
  n.addEventListener('click', () => {
    window.focus();
    onClick();
    n.close();
  });
}
