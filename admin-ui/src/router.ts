import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { afterLoginPath } from './after-login.ts';
import { useSessionStore } from './stores/session.ts';
import AutomationRecipeView from './views/AutomationRecipeView.vue';
import AutomationsView from './views/AutomationsView.vue';
import AuditView from './views/AuditView.vue';
import BackupsView from './views/BackupsView.vue';
import DashboardView from './views/DashboardView.vue';
import LlmProvidersView from './views/LlmProvidersView.vue';
import LlmUsageView from './views/LlmUsageView.vue';
import LoginView from './views/LoginView.vue';
import LogsView from './views/LogsView.vue';
import SecurityView from './views/SecurityView.vue';
import SessionsView from './views/SessionsView.vue';
import SettingsView from './views/SettingsView.vue';
import ShellView from './views/ShellView.vue';
import SkillApprovalsView from './views/SkillApprovalsView.vue';
import SkillsView from './views/SkillsView.vue';
import TelegramView from './views/TelegramView.vue';
import WorkflowEditorView from './views/WorkflowEditorView.vue';
import WorkflowRunView from './views/WorkflowRunView.vue';
import WorkflowsView from './views/WorkflowsView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (only the login screen). */
    public?: boolean;
    /** The browser tab's title. */
    title?: string;
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'Log in' } },
    { path: '/', name: 'dashboard', component: DashboardView, meta: { title: 'Dashboard' } },
    {
      path: '/skills',
      children: [
        { path: '', name: 'skills', component: SkillsView, meta: { title: 'Skills' } },
        {
          path: 'approvals',
          name: 'skill-approvals',
          component: SkillApprovalsView,
          meta: { title: 'Skill approvals' },
        },
      ],
    },
    {
      // Nested so the navigation keeps Workflows highlighted on a workflow and on a run.
      path: '/workflows',
      children: [
        { path: '', name: 'workflows', component: WorkflowsView, meta: { title: 'Workflows' } },
        { path: 'new', name: 'workflow-new', component: WorkflowEditorView, meta: { title: 'New workflow' } },
        { path: ':id', name: 'workflow', component: WorkflowEditorView, meta: { title: 'Workflow' } },
        {
          path: 'runs/:runId',
          name: 'workflow-run',
          component: WorkflowRunView,
          meta: { title: 'Workflow run' },
        },
      ],
    },
    { path: '/telegram', name: 'telegram', component: TelegramView, meta: { title: 'Telegram' } },
    {
      path: '/automations',
      children: [
        { path: '', name: 'automations', component: AutomationsView, meta: { title: 'Automations' } },
        {
          path: 'recipes/:id',
          name: 'automation-recipe',
          component: AutomationRecipeView,
          meta: { title: 'Recipe' },
        },
      ],
    },
    {
      path: '/llm',
      children: [
        { path: '', redirect: '/llm/providers' },
        {
          path: 'providers',
          name: 'llm-providers',
          component: LlmProvidersView,
          meta: { title: 'LLM providers' },
        },
        { path: 'usage', name: 'llm-usage', component: LlmUsageView, meta: { title: 'LLM usage' } },
      ],
    },
    { path: '/shell', name: 'shell', component: ShellView, meta: { title: 'Shell' } },
    {
      // The operator's screens, one nav entry with tabs.
      path: '/operations',
      children: [
        { path: '', redirect: '/operations/audit' },
        { path: 'audit', name: 'audit', component: AuditView, meta: { title: 'Audit log' } },
        { path: 'logs', name: 'logs', component: LogsView, meta: { title: 'Logs' } },
        { path: 'sessions', name: 'sessions', component: SessionsView, meta: { title: 'Sessions' } },
        { path: 'backups', name: 'backups', component: BackupsView, meta: { title: 'Backups' } },
      ],
    },
    { path: '/security', name: 'security', component: SecurityView, meta: { title: 'Security' } },
    { path: '/settings', name: 'settings', component: SettingsView, meta: { title: 'Settings' } },
    { path: '/:unknown(.*)*', redirect: '/' },
  ],
});

/** Where the login page sends a person once logged in (see after-login.ts). */
export function afterLoginTarget(route: RouteLocationNormalized): string {
  return afterLoginPath(route.query['next']);
}

router.beforeEach(async (to) => {
  const session = useSessionStore();
  await session.ensureLoaded();
  if (to.meta.public) {
    return to.name === 'login' && session.authenticated ? afterLoginTarget(to) : true;
  }
  if (!session.authenticated) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · Talon` : 'Talon';
});
