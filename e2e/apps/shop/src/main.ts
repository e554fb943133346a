// One page, four apps: the plain one (plain.ts) or, with ?react, the React one (react.tsx), with ?svelte the Svelte one
// (svelte.ts), with ?angular the Angular one (angular.ts).
const app = new URLSearchParams(location.search);
if (app.has('react')) void import('./react.tsx');
else if (app.has('svelte')) void import('./svelte.ts');
else if (app.has('angular')) void import('./angular.ts');
else void import('./plain.ts');
