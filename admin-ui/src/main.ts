import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { setSessionLostHandler } from './api/client.ts';
import App from './App.vue';
import { router } from './router.ts';
import { useSessionStore } from './stores/session.ts';
import './styles/main.css';

const app = createApp(App);
app.use(createPinia());
app.use(router);

// A 401 from any screen means the session ended under us: back to the login (with a fresh CSRF
// token for the new anonymous session), then back to this screen after logging in.
setSessionLostHandler(() => {
  const current = router.currentRoute.value;
  void useSessionStore()
    .sessionLost()
    .then(() => {
      if (current.name !== 'login') return router.push({ name: 'login', query: { next: current.fullPath } });
    });
});

app.mount('#app');
