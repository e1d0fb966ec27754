// Recipes: what the browser sidecar records and replays, shared by the sidecar and the core.
export * from './recipe.ts';
export {
  RECIPE_SCHEMA,
  RECIPE_LOCATOR_SCHEMA,
  RECIPE_HANDLE_PATTERN,
  RECIPE_KEY_PATTERN,
  RECIPE_NAME_PATTERN,
} from './recipe-schema.ts';
export { parseRecipe, RecipeError } from './parse-recipe.ts';
