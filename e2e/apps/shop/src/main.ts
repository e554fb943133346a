// One page, two apps: the plain one (plain.ts) or, with ?react, the React one (react.tsx).
if (new URLSearchParams(location.search).has('react')) void import('./react.tsx');
else void import('./plain.ts');
