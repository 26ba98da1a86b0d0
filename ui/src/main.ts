import { mount } from "svelte";
import App from "./App.svelte";
import CustomerScreen from "./features/screen/CustomerScreen.svelte";
import "./app.css";

// The same front end serves the counter window and the customer's screen
// (a second window at #customer).
const view = location.hash === "#customer" ? CustomerScreen : App;
export default mount(view, { target: document.getElementById("app")! });
