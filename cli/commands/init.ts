import { notAvailable } from '../not-available.js';

export default notAvailable('init', 'part 7: release');
