import { notAvailable } from '../not-available.js';

export default notAvailable('doctor', 'part 7: release');
