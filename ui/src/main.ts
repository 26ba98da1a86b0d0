import { mount } from "svelte";
import App from "./App.svelte";
import CustomerScreen from "./features/screen/CustomerScreen.svelte";
import { tabletKey, tabletSource, windowSource } from "./features/screen/source";
import "./app.css";

// The same front end serves the counter window, the customer's screen (a
// second window at #customer) and that screen on a tablet (#tablet, served
// by the window over the shop's network when the owner allows it).
const target = document.getElementById("app")!;
const hash = location.hash;
let app;
if (hash === "#customer") {
  app = mount(CustomerScreen, { target, props: { source: windowSource } });
} else if (hash.startsWith("#tablet")) {
  const key = tabletKey(hash, localStorage);
  // The key stays on the tablet, not in its address bar.
  if (hash !== "#tablet") history.replaceState(null, "", "#tablet");
  // A new QR code scanned while the page is open changes only the
  // fragment: start again with its key.
  window.addEventListener("hashchange", () => {
    if (location.hash.startsWith("#tablet:")) location.reload();
  });
  const lang = navigator.language.toLowerCase().startsWith("en") ? "en" : "ko";
  app = mount(CustomerScreen, { target, props: { source: key ? tabletSource(key, lang) : null, lang } });
} else {
  app = mount(App, { target });
}
export default app;
