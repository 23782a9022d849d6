import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { initTheme } from './composables/use-theme';
import './styles/theme.css';

initTheme();
createApp(App).use(createPinia()).mount('#app');
