// One linter (ESLint with typescript-eslint) beside one formatter (Prettier): both pure JavaScript, so
// `npm ci` installs them on every platform.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "sandbox/dist/**",
      ".build/**",
      "node_modules/**",
      ".test-work/**",
      ".secretstack/**",
      ".cache/**",
      "**/node_modules/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        URL: "readonly",
        performance: "readonly",
      },
    },
    rules: {
      // `import x = require()` is how a provider module is loaded so Pulumi serializes it as a require().
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-template-curly-in-string": "error",
      // A `let` read by callbacks before its one assignment cannot be a const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ["examples/**", "test/**", "provider/netactuate/**"],
    rules: { "no-template-curly-in-string": "off" },
  },
);
