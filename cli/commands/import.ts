import { notAvailable } from '../not-available.js';

export default notAvailable('import', 'part 7: release');
